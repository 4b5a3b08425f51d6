using SlurmNative.Credentials.Client;
using SlurmNative.Credentials.Protocol;
using SlurmNative.Store;
using SlurmNative.Tests.Daemon.Fakes;

namespace SlurmNative.Tests.Daemon.Service;

public class CredentialServiceTests
{
    private const uint Alice = 1001, Bob = 1002, Root = 0, SlurmUser = 64030;

    [Fact]
    public async Task Alice_stores_and_gets_back_her_ticket()
    {
        await using var daemon = new DaemonHarness();
        byte[] ticket = FakeInspector.Ticket("alice@TEST", Alice);

        daemon.ClientFor(Alice).Call(Request.Create(Operation.Add, blob: ticket));
        byte[] fetched = daemon.ClientFor(Alice).Call(Request.Create(Operation.Get));

        Assert.Equal(ticket, fetched);
    }

    [Fact]
    public async Task Uploading_the_stored_ticket_again_writes_nothing_and_a_new_one_replaces_it()
    {
        await using var daemon = new DaemonHarness();
        byte[] ticket = FakeInspector.Ticket("alice@TEST", Alice);
        daemon.ClientFor(Alice).Call(Request.Create(Operation.Add, blob: ticket));
        long version = (await daemon.Store.GetAsync(Alice))!.Version;

        daemon.ClientFor(Alice).Call(Request.Create(Operation.Add, blob: ticket));
        Assert.Equal(version, (await daemon.Store.GetAsync(Alice))!.Version);

        byte[] fresh = FakeInspector.Ticket("alice@TEST", Alice, end: DateTimeOffset.UtcNow.AddHours(11));
        Assert.NotEqual(ticket, fresh);
        daemon.ClientFor(Alice).Call(Request.Create(Operation.Add, blob: fresh));
        Assert.Equal(fresh, (await daemon.Store.GetAsync(Alice))!.Ticket);
    }

    [Fact]
    public async Task A_ticket_added_with_keep_stays_kept_through_later_ordinary_uploads_and_only_its_owner_may_keep_it()
    {
        await using var daemon = new DaemonHarness();
        byte[] ticket = FakeInspector.Ticket("alice@TEST", Alice);
        daemon.ClientFor(Alice).Call(Request.Create(Operation.Add, blob: ticket));
        Assert.False((await daemon.Store.GetAsync(Alice))!.Keep);

        // The same ticket again, now to keep: that is a change worth a write.
        daemon.ClientFor(Alice).Call(Request.Create(Operation.AddAndKeep, blob: ticket));
        Assert.True((await daemon.Store.GetAsync(Alice))!.Keep);

        byte[] fresh = FakeInspector.Ticket("alice@TEST", Alice, end: DateTimeOffset.UtcNow.AddHours(11));
        daemon.ClientFor(Alice).Call(Request.Create(Operation.Add, blob: fresh));
        StoredCredential stored = (await daemon.Store.GetAsync(Alice))!;
        Assert.Equal(fresh, stored.Ticket);
        Assert.True(stored.Keep);

        var refused = Assert.Throws<DaemonException>(() =>
            daemon.ClientFor(Bob).Call(Request.Create(Operation.AddAndKeep, Alice, FakeInspector.Ticket("alice@TEST", Alice))));
        Assert.Equal(ReplyStatus.Forbidden, refused.Status);
    }

    [Fact]
    public void The_blocking_client_gives_up_on_a_silent_daemon_and_on_a_closed_port_and_names_both()
    {
        using var silent = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        silent.Start(); // accepts into the backlog and never answers
        int silentPort = ((System.Net.IPEndPoint)silent.LocalEndpoint).Port;
        int closedPort;
        using (var probe = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0))
        {
            probe.Start();
            closedPort = ((System.Net.IPEndPoint)probe.LocalEndpoint).Port;
        }
        var client = new DaemonClient([$"127.0.0.1:{silentPort}", $"127.0.0.1:{closedPort}"], TimeSpan.FromMilliseconds(300), new PassThroughSigner());

        var failure = Assert.Throws<DaemonUnreachableException>(() => client.Call(Request.Create(Operation.Ping)));

        // Half the 300 ms: the closed port after it still had its share.
        Assert.Matches($@"127\.0\.0\.1:{silentPort}: no answer within 0\.1[45] s", failure.Message);
        Assert.Contains($"127.0.0.1:{closedPort}: ", failure.Message);
    }

    [Fact]
    public void The_blocking_client_bounds_a_connect_that_the_daemon_never_completes()
    {
        // A listener that never accepts: once its accept queue is full, the kernel drops
        // further SYNs and a connect(2) would wait for minutes of SYN retries.
        using var full = new System.Net.Sockets.Socket(System.Net.Sockets.SocketType.Stream, System.Net.Sockets.ProtocolType.Tcp);
        full.Bind(new System.Net.IPEndPoint(System.Net.IPAddress.Loopback, 0));
        full.Listen(0);
        var endpoint = (System.Net.IPEndPoint)full.LocalEndPoint!;
        var queued = new List<System.Net.Sockets.Socket>();
        try
        {
            while (queued.Count < 16)
            {
                var filler = new System.Net.Sockets.Socket(System.Net.Sockets.SocketType.Stream, System.Net.Sockets.ProtocolType.Tcp) { Blocking = false };
                queued.Add(filler);
                try
                {
                    filler.Connect(endpoint);
                }
                catch (System.Net.Sockets.SocketException e) when (e.SocketErrorCode is System.Net.Sockets.SocketError.WouldBlock or System.Net.Sockets.SocketError.InProgress)
                {
                }
                if (!filler.Poll(TimeSpan.FromMilliseconds(200), System.Net.Sockets.SelectMode.SelectWrite))
                    break;
            }
            var client = new DaemonClient([$"127.0.0.1:{endpoint.Port}"], TimeSpan.FromMilliseconds(300), new PassThroughSigner());
            var clock = System.Diagnostics.Stopwatch.StartNew();

            var failure = Assert.Throws<DaemonUnreachableException>(() => client.Call(Request.Create(Operation.Ping)));

            Assert.Contains($"127.0.0.1:{endpoint.Port}: no answer within 0.3 s", failure.Message);
            Assert.InRange(clock.ElapsedMilliseconds, 250, 2_000);
        }
        finally
        {
            foreach (var socket in queued)
                socket.Dispose();
        }
    }

    private sealed class PassThroughSigner : IRequestSigner
    {
        public byte[] Sign(byte[] payload) => payload;
    }

    [Fact]
    public async Task Ping_tells_a_user_only_that_the_daemon_is_up_and_an_admin_how_many_credentials_it_holds()
    {
        await using var daemon = new DaemonHarness();
        daemon.ClientFor(Alice).Call(Request.Create(Operation.Add, blob: FakeInspector.Ticket("alice@TEST", Alice)));

        string toBob = System.Text.Encoding.UTF8.GetString(daemon.ClientFor(Bob).Call(Request.Create(Operation.Ping)));
        string toRoot = System.Text.Encoding.UTF8.GetString(daemon.ClientFor(Root).Call(Request.Create(Operation.Ping)));

        Assert.Equal("slurmnatived is up", toBob);
        Assert.Contains("1 credentials stored", toRoot);
    }

    [Fact]
    public async Task Bob_can_neither_get_list_nor_remove_alices_and_each_refusal_is_logged()
    {
        await using var daemon = new DaemonHarness();
        daemon.ClientFor(Alice).Call(Request.Create(Operation.Add, blob: FakeInspector.Ticket("alice@TEST", Alice)));
        DaemonClient bob = daemon.ClientFor(Bob);

        foreach (Operation operation in new[] { Operation.Get, Operation.List, Operation.Remove })
        {
            var refused = Assert.Throws<DaemonException>(() => bob.Call(Request.Create(operation, targetUid: Alice)));
            Assert.Equal(ReplyStatus.Forbidden, refused.Status);
        }
        Assert.Equal(3, daemon.Log.Lines.Count(l => l.StartsWith("warning: refused uid 1002 (bob)", StringComparison.Ordinal)));
        Assert.NotNull(await daemon.Store.GetAsync(Alice));
    }

    [Fact]
    public async Task Root_and_slurm_user_get_alices_ticket()
    {
        await using var daemon = new DaemonHarness();
        byte[] ticket = FakeInspector.Ticket("alice@TEST", Alice);
        daemon.ClientFor(Alice).Call(Request.Create(Operation.Add, blob: ticket));

        Assert.Equal(ticket, daemon.ClientFor(Root).Call(Request.Create(Operation.Get, targetUid: Alice)));
        Assert.Equal(ticket, daemon.ClientFor(SlurmUser).Call(Request.Create(Operation.Get, targetUid: Alice)));
    }

    [Theory]
    [InlineData("bob@TEST", Bob, true, false, "maps to uid 1002, not to uid 1001")]
    [InlineData("nobody@ELSEWHERE", null, true, false, "maps to no local user")]
    [InlineData("alice@TEST", Alice, false, false, "is not a ticket-granting ticket")]
    [InlineData("alice@TEST", Alice, true, true, "bound to addresses")]
    public async Task An_upload_that_is_not_alices_own_usable_tgt_is_rejected(string principal, uint? mapsTo, bool tgt, bool addresses, string expected)
    {
        await using var daemon = new DaemonHarness();
        var refused = Assert.Throws<DaemonException>(() =>
            daemon.ClientFor(Alice).Call(Request.Create(Operation.Add, blob: FakeInspector.Ticket(principal, mapsTo, tgt, addresses))));
        Assert.Equal(ReplyStatus.CredentialRejected, refused.Status);
        Assert.Contains(expected, refused.Message);
        Assert.Null(await daemon.Store.GetAsync(Alice));
    }

    [Fact]
    public async Task An_expired_ticket_is_neither_stored_nor_released()
    {
        await using var daemon = new DaemonHarness();
        var refused = Assert.Throws<DaemonException>(() =>
            daemon.ClientFor(Alice).Call(Request.Create(Operation.Add, blob: FakeInspector.Ticket("alice@TEST", Alice, end: DateTimeOffset.UtcNow.AddMinutes(-1)))));
        Assert.Contains("run kinit", refused.Message);
    }

    [Fact]
    public async Task Admin_lists_everyone_and_a_user_only_themselves()
    {
        await using var daemon = new DaemonHarness();
        daemon.ClientFor(Alice).Call(Request.Create(Operation.Add, blob: FakeInspector.Ticket("alice@TEST", Alice)));
        daemon.ClientFor(Bob).Call(Request.Create(Operation.Add, blob: FakeInspector.Ticket("bob@TEST", Bob)));

        var all = CredentialSummary.DecodeList(daemon.ClientFor(Root).Call(Request.Create(Operation.List)));
        var own = CredentialSummary.DecodeList(daemon.ClientFor(Alice).Call(Request.Create(Operation.List)));

        Assert.Equal([Alice, Bob], all.Select(e => e.Uid));
        Assert.Equal("alice@TEST", Assert.Single(own).Principal);
    }

    [Fact]
    public async Task Remove_then_get_says_what_to_do()
    {
        await using var daemon = new DaemonHarness();
        daemon.ClientFor(Alice).Call(Request.Create(Operation.Add, blob: FakeInspector.Ticket("alice@TEST", Alice)));
        daemon.ClientFor(Alice).Call(Request.Create(Operation.Remove));

        var missing = Assert.Throws<DaemonException>(() => daemon.ClientFor(Alice).Call(Request.Create(Operation.Get)));
        Assert.Equal(ReplyStatus.NotFound, missing.Status);
        Assert.Contains("kinit", missing.Message);
    }

    [Fact]
    public async Task No_log_line_carries_ticket_bytes()
    {
        await using var daemon = new DaemonHarness();
        byte[] ticket = FakeInspector.Ticket("alice@TEST", Alice);
        daemon.ClientFor(Alice).Call(Request.Create(Operation.Add, blob: ticket));
        daemon.ClientFor(Root).Call(Request.Create(Operation.Get, targetUid: Alice));

        string fingerprint = System.Text.Encoding.UTF8.GetString(ticket).Split('|')[4]; // the fake ticket's end time digits
        Assert.DoesNotContain(daemon.Log.Lines, l => l.Contains(System.Text.Encoding.UTF8.GetString(ticket), StringComparison.Ordinal) || l.Contains(fingerprint, StringComparison.Ordinal));
    }
}
