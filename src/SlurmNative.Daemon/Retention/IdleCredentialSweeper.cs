using System.Collections.Concurrent;
using SlurmNative.Daemon.Jobs;
using SlurmNative.Daemon.Logging;
using SlurmNative.Daemon.Observability;
using SlurmNative.Store;

namespace SlurmNative.Daemon.Retention;

/// <summary>
/// Drops a stored ticket once its owner has had no job for <c>keep_after_last_job</c>, unless it was
/// stored with <c>--keep</c>: a TGT nobody will use should not sit renewable on the credential host.
/// Which users have jobs comes from slurmctld; a user counts as idle from the first pass that finds
/// none of their jobs, or from their last upload if that is later (the store records it, so every
/// daemon sharing a store agrees). Each daemon keeps its idle clocks in memory and starts them at
/// its own start, so a restart only ever keeps a ticket longer. When slurmctld cannot be asked,
/// nothing is dropped.
/// </summary>
public sealed class IdleCredentialSweeper(ICredentialStore store, IJobDirectory jobs, TimeSpan keepAfterLastJob, IDaemonLog log, TimeProvider? clock = null,
    DaemonObserver? observer = null)
{
    private readonly DaemonObserver observe = observer ?? DaemonObserver.None;

    private static readonly TimeSpan LongestPause = TimeSpan.FromMinutes(5);
    private static readonly TimeSpan ShortestPause = TimeSpan.FromSeconds(1);

    private readonly TimeProvider time = clock ?? TimeProvider.System;
    private readonly ConcurrentDictionary<uint, DateTimeOffset> idleSince = new();
    private bool slurmctldFailing;

    /// <summary>How often a pass runs: a quarter of the setting, so a ticket goes at most a quarter late, within [1 s, 5 min].</summary>
    public TimeSpan Interval => TimeSpan.FromTicks(Math.Clamp(keepAfterLastJob.Ticks / 4, ShortestPause.Ticks, LongestPause.Ticks));

    /// <summary>An upload through this daemon: its owner's idle clock starts again.</summary>
    public void Uploaded(uint uid) => idleSince.TryRemove(uid, out _);

    public async Task RunAsync(CancellationToken stop)
    {
        using var timer = new PeriodicTimer(Interval, time);
        while (await timer.WaitForNextTickAsync(stop).ConfigureAwait(false))
        {
            try
            {
                await RunOnceAsync(stop).ConfigureAwait(false);
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                log.Error($"dropping idle credentials failed: {e.GetType().Name}: {e.Message}");
            }
        }
    }

    /// <returns>How many credentials were dropped; null if slurmctld could not say who has jobs.</returns>
    public async Task<int?> RunOnceAsync(CancellationToken cancel = default)
    {
        IReadOnlySet<uint> busy;
        try
        {
            busy = await jobs.UsersWithJobsAsync(cancel).ConfigureAwait(false);
        }
        catch (JobDirectoryException e)
        {
            // Said once per outage: the pass repeats every few minutes.
            if (!slurmctldFailing)
                log.Warning($"cannot tell which users have jobs, so no idle credential is dropped until slurmctld answers: {e.Message}");
            slurmctldFailing = true;
            return null;
        }
        if (slurmctldFailing)
            log.Info("slurmctld answers again; idle credentials are dropped after keep_after_last_job");
        slurmctldFailing = false;

        DateTimeOffset now = time.GetUtcNow();
        IReadOnlyList<UploadRecord> uploads = await store.ListUploadsAsync(cancel).ConfigureAwait(false);
        var stored = new HashSet<uint>(uploads.Count);
        int dropped = 0;
        foreach (UploadRecord upload in uploads)
        {
            stored.Add(upload.Uid);
            if (upload.Keep || busy.Contains(upload.Uid))
            {
                idleSince.TryRemove(upload.Uid, out _);
                continue;
            }
            DateTimeOffset since = idleSince.GetOrAdd(upload.Uid, now);
            DateTimeOffset idleFrom = upload.Uploaded > since ? upload.Uploaded : since;
            if (now - idleFrom < keepAfterLastJob)
                continue;
            // A re-upload since the listing changed the version, and wins.
            if (await store.RemoveIfUnchangedAsync(upload.Uid, upload.Version, cancel).ConfigureAwait(false))
            {
                dropped++;
                log.Info($"dropped the credential of uid {upload.Uid}: no job of theirs for {keepAfterLastJob} (keep_after_last_job); it comes back with their next upload, or stays with slurmnative add --keep");
                observe.Dropped(upload.Uid, "idle_sweeper", $"no job for {keepAfterLastJob} (keep_after_last_job)");
            }
            idleSince.TryRemove(upload.Uid, out _);
        }
        foreach (uint uid in idleSince.Keys)
        {
            if (!stored.Contains(uid))
                idleSince.TryRemove(uid, out _);
        }
        return dropped;
    }
}
