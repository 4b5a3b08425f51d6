using System.Text;
using SlurmNative.Credentials.Audit;
using SlurmNative.Daemon.Observability;
using SlurmNative.Daemon.Renewal;
using SlurmNative.Store;
using SlurmNative.Tests.Daemon.Fakes;

namespace SlurmNative.Tests.Daemon.Observability;

/// <summary>The renewer's outcomes in the metrics, and its drops in the audit trail.</summary>
public class RenewalObservationTests
{
    private static readonly FakeInspector Inspector = new();

    private static async Task StoreAsync(InMemoryStore store, uint uid, TimeSpan endsIn)
    {
        DateTimeOffset end = DateTimeOffset.UtcNow + endsIn;
        await store.PutAsync(new StoredCredential(uid, $"u{uid}@TEST", end.AddHours(-1), end, DateTimeOffset.UtcNow.AddDays(7), 0, FakeInspector.Ticket($"u{uid}@TEST", uid, end: end)));
    }

    private static async Task<string> ScrapeAsync(DaemonMetrics metrics)
    {
        using var text = new MemoryStream();
        await metrics.Registry.CollectAndExportAsTextAsync(text);
        return Encoding.UTF8.GetString(text.ToArray());
    }

    [Fact]
    public async Task Renewed_refused_and_unreachable_renewals_are_counted_and_the_drop_is_audited()
    {
        var store = new InMemoryStore();
        await StoreAsync(store, 1, TimeSpan.FromMinutes(5)); // renewed
        await StoreAsync(store, 2, TimeSpan.FromMinutes(5)); // refused by the KDC: dropped
        await StoreAsync(store, 3, TimeSpan.FromMinutes(5)); // KDC unreachable: deferred
        var kdc = new FakeKdc(ticket => Inspector.Inspect(ticket).LocalUid switch
        {
            1 => FakeInspector.Ticket("u1@TEST", 1, end: DateTimeOffset.UtcNow.AddHours(10)),
            2 => throw new RenewalRefusedException("KDC policy rejects request"),
            _ => throw new IOException("Cannot contact any KDC for realm 'TEST'"),
        });
        var metrics = new DaemonMetrics();
        var sink = new RecordingAuditSink();
        using var audit = new AuditTrail(sink, _ => { });
        var renewer = new CredentialRenewer(store, kdc, Inspector, TimeSpan.FromMinutes(30), 2, new RecordingDaemonLog(), observer: new DaemonObserver(metrics, audit));
        metrics.Observe(store, () => SlurmNative.Store.Keys.Keyring.FromKeys([("k1", new byte[32])]), () => audit.Dropped);

        RenewalPass pass = await renewer.RunOnceAsync();

        Assert.Equal(new RenewalPass(3, 1, 1, 1), pass);
        string scraped = await ScrapeAsync(metrics);
        Assert.Equal(1, DaemonObservationTests.Value(scraped, "slurmnatived_renewals_total{outcome=\"renewed\"}"));
        Assert.Equal(1, DaemonObservationTests.Value(scraped, "slurmnatived_renewals_total{outcome=\"dropped\"}"));
        Assert.Equal(1, DaemonObservationTests.Value(scraped, "slurmnatived_renewals_total{outcome=\"deferred\"}"));
        Assert.Equal(2, DaemonObservationTests.Value(scraped, "slurmnatived_renewal_failures_total"));
        Assert.Equal(1, DaemonObservationTests.Value(scraped, "slurmnatived_kdc_errors_total{kind=\"refused\"}"));
        Assert.Equal(1, DaemonObservationTests.Value(scraped, "slurmnatived_kdc_errors_total{kind=\"unreachable\"}"));
        Assert.Equal(2, DaemonObservationTests.Value(scraped, "slurmnatived_credentials_stored"));
        Assert.Equal(1, DaemonObservationTests.Value(scraped, "slurmnatived_credentials_time_left{le=\"300\"}")); // uid 3, still 5 minutes left
        Assert.Equal(2, DaemonObservationTests.Value(scraped, "slurmnatived_credentials_time_left{le=\"+Inf\"}"));
        Assert.Equal(1, DaemonObservationTests.Value(scraped, "slurmnatived_keys_loaded{key_id=\"k1\",primary=\"true\"}"));

        AuditEntry drop = Assert.Single(sink.Entries);
        Assert.StartsWith("action=remove outcome=dropped target_uid=2 by=renewer reason=\"the KDC refused to renew it: KDC policy rejects request\"", drop.Line);
    }
}
