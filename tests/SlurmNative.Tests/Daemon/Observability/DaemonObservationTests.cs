using System.Text;
using SlurmNative.Credentials.Audit;
using SlurmNative.Credentials.Client;
using SlurmNative.Credentials.Protocol;
using SlurmNative.Daemon.Observability;
using SlurmNative.Tests.Daemon.Fakes;
using SlurmNative.Tests.Daemon.Service;

namespace SlurmNative.Tests.Daemon.Observability;

/// <summary>The listener's requests, counted and audited (fake MUNGE and Kerberos; the real ones are in the integration tests).</summary>
public class DaemonObservationTests
{
    private const uint Alice = 1001, Bob = 1002;

    private static async Task<string> ScrapeAsync(DaemonMetrics metrics)
    {
        using var text = new MemoryStream();
        await metrics.Registry.CollectAndExportAsTextAsync(text);
        return Encoding.UTF8.GetString(text.ToArray());
    }

    /// <summary>The value of one series, e.g. <c>slurmnatived_requests_total{operation="get",outcome="ok"}</c>.</summary>
    internal static double Value(string exposition, string series)
    {
        foreach (string line in exposition.Split('\n'))
        {
            if (line.StartsWith(series + " ", StringComparison.Ordinal))
                return double.Parse(line[(series.Length + 1)..], System.Globalization.CultureInfo.InvariantCulture);
        }
        throw new Xunit.Sdk.XunitException($"no series {series} in:\n{exposition}");
    }

    [Fact]
    public async Task Requests_are_counted_by_operation_and_outcome_and_audited_without_the_ticket()
    {
        var metrics = new DaemonMetrics();
        var sink = new RecordingAuditSink();
        using var audit = new AuditTrail(sink, _ => { });
        await using var daemon = new DaemonHarness(observer: new DaemonObserver(metrics, audit));
        byte[] ticket = FakeInspector.Ticket("alice@TEST", Alice);

        daemon.ClientFor(Alice).Call(Request.Create(Operation.Add, blob: ticket));
        daemon.ClientFor(Alice).Call(Request.Create(Operation.Get));
        daemon.ClientFor(0).Call(Request.Create(Operation.Get, Alice));
        Assert.Throws<DaemonException>(() => daemon.ClientFor(Bob).Call(Request.Create(Operation.Get, Alice)));

        string scraped = await ScrapeAsync(metrics);
        Assert.Equal(1, Value(scraped, "slurmnatived_requests_total{operation=\"add\",outcome=\"ok\"}"));
        Assert.Equal(2, Value(scraped, "slurmnatived_requests_total{operation=\"get\",outcome=\"ok\"}"));
        Assert.Equal(1, Value(scraped, "slurmnatived_requests_total{operation=\"get\",outcome=\"forbidden\"}"));
        Assert.Equal(0, Value(scraped, "slurmnatived_requests_total{operation=\"remove\",outcome=\"ok\"}"));
        Assert.Equal(3, Value(scraped, "slurmnatived_request_duration_seconds_count{operation=\"get\"}"));

        var lines = sink.Entries.Select(e => e.Line).ToArray();
        Assert.Equal(4, lines.Length);
        Assert.Equal("action=store outcome=ok uid=1001 target_uid=1001 source=127.0.0.1 keep=no", lines[0]);
        Assert.Equal("action=fetch outcome=released uid=1001 target_uid=1001 source=127.0.0.1 job=none", lines[1]);
        Assert.Equal("action=fetch outcome=released uid=0 target_uid=1001 source=127.0.0.1 job=none", lines[2]);
        Assert.StartsWith("action=fetch outcome=refused uid=1002 target_uid=1001 source=127.0.0.1 job=none status=forbidden reason=", lines[3]);
        string ticketText = Encoding.UTF8.GetString(ticket);
        Assert.All(lines, l => Assert.DoesNotContain(ticketText, l));
        Assert.All(lines, l => Assert.DoesNotContain(Convert.ToBase64String(ticket), l));
    }

    [Fact]
    public async Task A_request_munge_refuses_counts_as_a_munge_error_and_is_audited_as_refused()
    {
        var metrics = new DaemonMetrics();
        var sink = new RecordingAuditSink();
        using var audit = new AuditTrail(sink, _ => { });
        await using var daemon = new DaemonHarness(observer: new DaemonObserver(metrics, audit));

        var request = Request.Create(Operation.Ping);
        using (var socket = new System.Net.Sockets.TcpClient())
        {
            socket.Connect(daemon.Endpoint);
            socket.GetStream().Write(Frame.Encode(FrameKind.Request, Encoding.ASCII.GetBytes("EXPIRED-credential")));
            var answer = await Frame.ReadAsync(socket.GetStream(), CancellationToken.None);
            Assert.Equal(ReplyStatus.Unauthenticated, Reply.DecodePlain(answer!.Value.Body).Status);
        }

        Assert.Equal(1, Value(await ScrapeAsync(metrics), "slurmnatived_munge_errors_total"));
        AuditEntry entry = Assert.Single(sink.Entries);
        Assert.Equal("action=request outcome=refused source=127.0.0.1 status=unauthenticated reason=\"MUNGE credential expired\"", entry.Line);
    }

    [Fact]
    public async Task A_connection_that_sends_nothing_counts_as_timed_out()
    {
        var metrics = new DaemonMetrics();
        await using var daemon = new DaemonHarness(frameTimeout: TimeSpan.FromMilliseconds(200), observer: new DaemonObserver(metrics, AuditTrail.Off));
        using var silent = new System.Net.Sockets.TcpClient();
        silent.Connect(daemon.Endpoint);
        DateTime deadline = DateTime.UtcNow.AddSeconds(10);
        while (Value(await ScrapeAsync(metrics), "slurmnatived_connections_timed_out_total") < 1 && DateTime.UtcNow < deadline)
            await Task.Delay(50);

        Assert.Equal(1, Value(await ScrapeAsync(metrics), "slurmnatived_connections_timed_out_total"));
        Assert.Equal(0, Value(await ScrapeAsync(metrics), "slurmnatived_connections_evicted_total"));
    }

    [Theory]
    [InlineData(Operation.AddAndKeep, "add_and_keep")]
    [InlineData(ReplyStatus.StoreUnavailable, "store_unavailable")]
    [InlineData(ReplyStatus.Ok, "ok")]
    public void Label_values_are_lower_snake_case(object value, string expected) =>
        Assert.Equal(expected, value switch
        {
            Operation o => DaemonMetrics.Name(o),
            ReplyStatus s => DaemonMetrics.Name(s),
            _ => throw new ArgumentException("not an enum the metrics name"),
        });
}
