using System.Security.Cryptography;
using SlurmNative.Store.Keys;
using SlurmNative.Daemon.Retention;
using SlurmNative.Store;
using SlurmNative.Tests.TestSupport;
using SlurmNative.Tests.Daemon.Fakes;
using SlurmNative.Store.Sqlite;

namespace SlurmNative.Tests.Daemon.Retention;

public sealed class IdleCredentialSweeperTests : IDisposable
{
    private const uint Alice = 1001, Bob = 1002, Carol = 1003;
    private static readonly TimeSpan Keep = TimeSpan.FromHours(1);

    private readonly TempDirectory dir = new();
    private readonly ManualTime clock = new(DateTimeOffset.FromUnixTimeSeconds(1_750_000_000));
    private readonly FakeJobDirectory jobs = new();
    private readonly RecordingDaemonLog log = new();
    private readonly SqliteCredentialStore store;
    private readonly IdleCredentialSweeper sweeper;

    public IdleCredentialSweeperTests()
    {
        store = SqliteCredentialStore.Open(dir.File("credentials.db"), Keyring.FromKeys([("k1", RandomNumberGenerator.GetBytes(32))]), clock: clock);
        sweeper = new IdleCredentialSweeper(store, jobs, Keep, log, clock);
    }

    public void Dispose()
    {
        store.Dispose();
        dir.Dispose();
    }

    private Task<StoredCredential> UploadAsync(uint uid, bool keep = false)
    {
        DateTimeOffset now = clock.GetUtcNow();
        sweeper.Uploaded(uid);
        return store.PutAsync(new StoredCredential(uid, $"u{uid}@TEST", now, now.AddHours(10), now.AddDays(7), 0, [1, 2, 3, (byte)uid]) { Keep = keep });
    }

    private async Task<uint[]> StoredAsync() => (await store.ListUploadsAsync()).Select(u => u.Uid).ToArray();

    [Fact]
    public async Task A_ticket_goes_an_hour_after_its_owners_last_job_and_a_kept_one_stays()
    {
        await UploadAsync(Alice);
        await UploadAsync(Bob, keep: true);
        await UploadAsync(Carol);
        jobs.Busy.Add(Carol);

        Assert.Equal(0, await sweeper.RunOnceAsync());
        clock.Advance(TimeSpan.FromMinutes(59));
        Assert.Equal(0, await sweeper.RunOnceAsync());
        Assert.Equal(new uint[] { Alice, Bob, Carol }, await StoredAsync());

        clock.Advance(TimeSpan.FromMinutes(1));
        jobs.Busy.Remove(Carol); // Carol's last job ends now
        Assert.Equal(1, await sweeper.RunOnceAsync());
        Assert.Equal(new uint[] { Bob, Carol }, await StoredAsync());
        Assert.Contains(log.Lines, l => l.Contains($"dropped the credential of uid {Alice}", StringComparison.Ordinal) && l.Contains("keep_after_last_job", StringComparison.Ordinal));

        clock.Advance(TimeSpan.FromMinutes(59));
        Assert.Equal(0, await sweeper.RunOnceAsync());
        clock.Advance(TimeSpan.FromMinutes(1));
        Assert.Equal(1, await sweeper.RunOnceAsync());
        Assert.Equal(new uint[] { Bob }, await StoredAsync());

        clock.Advance(TimeSpan.FromDays(3));
        Assert.Equal(0, await sweeper.RunOnceAsync());
        Assert.Equal(new uint[] { Bob }, await StoredAsync());
    }

    [Fact]
    public async Task An_upload_restarts_the_idle_clock_even_one_made_through_another_daemon()
    {
        await UploadAsync(Alice);
        await sweeper.RunOnceAsync();
        clock.Advance(TimeSpan.FromMinutes(50));

        // Through another daemon on the same store: this sweeper is not told, the row's upload time is.
        DateTimeOffset now = clock.GetUtcNow();
        await store.PutAsync(new StoredCredential(Alice, "u1001@TEST", now, now.AddHours(10), now.AddDays(7), 0, [9, 9, 9]));
        clock.Advance(TimeSpan.FromMinutes(50));
        Assert.Equal(0, await sweeper.RunOnceAsync());
        Assert.Equal(new uint[] { Alice }, await StoredAsync());

        clock.Advance(TimeSpan.FromMinutes(10));
        Assert.Equal(1, await sweeper.RunOnceAsync());
        Assert.Empty(await StoredAsync());
    }

    [Fact]
    public async Task Nothing_is_dropped_while_slurmctld_cannot_say_who_has_jobs_and_the_outage_is_logged_once()
    {
        await UploadAsync(Alice);
        await sweeper.RunOnceAsync();
        jobs.Unreachable = true;
        for (int i = 0; i < 5; i++)
        {
            clock.Advance(TimeSpan.FromHours(1));
            Assert.Null(await sweeper.RunOnceAsync());
        }
        Assert.Equal(new uint[] { Alice }, await StoredAsync());
        Assert.Single(log.Lines, l => l.StartsWith("warning: cannot tell which users have jobs", StringComparison.Ordinal));

        jobs.Unreachable = false;
        Assert.Equal(1, await sweeper.RunOnceAsync());
    }

    [Fact]
    public async Task A_user_seen_idle_only_after_a_daemon_restart_keeps_a_full_hour()
    {
        await UploadAsync(Alice);
        clock.Advance(TimeSpan.FromHours(5));
        var restarted = new IdleCredentialSweeper(store, jobs, Keep, log, clock);

        Assert.Equal(0, await restarted.RunOnceAsync());
        clock.Advance(TimeSpan.FromMinutes(59));
        Assert.Equal(0, await restarted.RunOnceAsync());
        clock.Advance(TimeSpan.FromMinutes(1));
        Assert.Equal(1, await restarted.RunOnceAsync());
    }

    [Theory]
    [InlineData(1, 1)]
    [InlineData(60, 15)]
    [InlineData(3600, 300)]
    [InlineData(86400, 300)]
    public void A_pass_runs_every_quarter_of_the_setting_within_a_second_and_five_minutes(int keepSeconds, int intervalSeconds) =>
        Assert.Equal(TimeSpan.FromSeconds(intervalSeconds), new IdleCredentialSweeper(store, jobs, TimeSpan.FromSeconds(keepSeconds), log, clock).Interval);
}
