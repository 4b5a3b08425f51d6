using SlurmNative.Daemon.Renewal;
using SlurmNative.Store;
using SlurmNative.Tests.Daemon.Fakes;

namespace SlurmNative.Tests.Daemon.Renewal;

public class CredentialRenewerTests
{
    private static readonly FakeInspector Inspector = new();

    private static byte[] ExtendedByTenHours(byte[] ticket)
    {
        var facts = Inspector.Inspect(ticket);
        return FakeInspector.Ticket(facts.ClientPrincipal, facts.LocalUid, end: DateTimeOffset.UtcNow.AddHours(10));
    }

    private static async Task<StoredCredential> StoreAsync(InMemoryStore store, uint uid, TimeSpan endsIn, TimeSpan? renewableFor = null)
    {
        DateTimeOffset end = DateTimeOffset.UtcNow + endsIn;
        byte[] ticket = FakeInspector.Ticket($"u{uid}@TEST", uid, end: end);
        return await store.PutAsync(new StoredCredential(uid, $"u{uid}@TEST", end.AddHours(-1), end, DateTimeOffset.UtcNow + (renewableFor ?? TimeSpan.FromDays(7)), 0, ticket));
    }

    private static CredentialRenewer Renewer(InMemoryStore store, ITicketRenewer kdc, RecordingDaemonLog log, int concurrency = 4) =>
        new(store, kdc, Inspector, TimeSpan.FromMinutes(30), concurrency, log);

    [Fact]
    public async Task A_ticket_near_its_end_is_renewed_and_one_far_from_it_is_left_alone()
    {
        var store = new InMemoryStore();
        var log = new RecordingDaemonLog();
        await StoreAsync(store, 1, TimeSpan.FromMinutes(10));
        var far = await StoreAsync(store, 2, TimeSpan.FromHours(5));

        RenewalPass pass = await Renewer(store, new FakeKdc(ExtendedByTenHours), log).RunOnceAsync();

        Assert.Equal(new RenewalPass(1, 1, 0, 0), pass);
        Assert.True((await store.GetAsync(1))!.End > DateTimeOffset.UtcNow.AddHours(9));
        Assert.Equal(far.Version, (await store.GetAsync(2))!.Version);
    }

    [Fact]
    public async Task A_ticket_past_renew_till_is_dropped_and_the_log_says_why()
    {
        var store = new InMemoryStore();
        var log = new RecordingDaemonLog();
        await StoreAsync(store, 1, TimeSpan.FromSeconds(-5), renewableFor: TimeSpan.FromSeconds(-1));

        RenewalPass pass = await Renewer(store, new FakeKdc(ExtendedByTenHours), log).RunOnceAsync();

        Assert.Equal(1, pass.Dropped);
        Assert.Null(await store.GetAsync(1));
        Assert.Contains(log.Lines, l => l.Contains("dropped credential of uid 1", StringComparison.Ordinal) && l.Contains("renewable only until", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_refusal_by_the_kdc_drops_and_an_unreachable_kdc_keeps()
    {
        var store = new InMemoryStore();
        var log = new RecordingDaemonLog();
        await StoreAsync(store, 1, TimeSpan.FromMinutes(5));
        await Renewer(store, new FakeKdc(_ => throw new InvalidOperationException("connection refused")), log).RunOnceAsync();
        Assert.NotNull(await store.GetAsync(1));

        await Renewer(store, new FakeKdc(_ => throw new RenewalRefusedException("Ticket expired")), log).RunOnceAsync();
        Assert.Null(await store.GetAsync(1));
        Assert.Contains(log.Lines, l => l.Contains("KDC refused to renew it: Ticket expired", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_fresh_upload_during_renewal_wins()
    {
        var store = new InMemoryStore();
        var log = new RecordingDaemonLog();
        await StoreAsync(store, 1, TimeSpan.FromMinutes(5));
        byte[] upload = FakeInspector.Ticket("u1@TEST", 1, end: DateTimeOffset.UtcNow.AddHours(3));

        await Renewer(store, new FakeKdc(ticket =>
        {
            store.PutAsync(new StoredCredential(1, "u1@TEST", DateTimeOffset.UtcNow, DateTimeOffset.UtcNow.AddHours(3), DateTimeOffset.UtcNow.AddDays(7), 0, upload)).Wait();
            return ExtendedByTenHours(ticket);
        }), log).RunOnceAsync();

        Assert.Equal(upload, (await store.GetAsync(1))!.Ticket);
    }

    [Fact]
    public async Task Requests_to_the_kdc_stay_within_the_concurrency_bound()
    {
        var store = new InMemoryStore();
        for (uint uid = 1; uid <= 200; uid++)
            await StoreAsync(store, uid, TimeSpan.FromMinutes(1));
        var kdc = new FakeKdc(ExtendedByTenHours);

        RenewalPass pass = await Renewer(store, kdc, new RecordingDaemonLog(), concurrency: 3).RunOnceAsync();

        Assert.Equal(200, pass.Renewed);
        Assert.InRange(kdc.MaxInFlight, 1, 3);
    }
}
