using SlurmNative.Credentials;
using SlurmNative.Credentials.Ccache;
using SlurmNative.Credentials.Client;
using SlurmNative.Credentials.Kerberos;
using SlurmNative.Plugin.Backend;
using SlurmNative.Plugin.Spank;

namespace SlurmNative.Plugin.Node;

/// <summary>
/// Keeps a step's (or its job's) ccache valid while the step runs, on a thread of slurmstepd.
/// Before the ticket runs low it asks the daemon for the stored copy (which the daemon
/// keeps renewed, and which is the newest if the user uploaded again); when no daemon
/// answers, it renews against the KDC itself. It sleeps on an event, so stopping it at
/// step exit is immediate, and it writes through <see cref="NodeCcache"/>, whose files
/// do not depend on slurmstepd's euid of the moment.
/// </summary>
internal sealed class StepTicketRenewer
{
    private static readonly TimeSpan LongestRetry = TimeSpan.FromMinutes(1);
    private static readonly TimeSpan ShortestRetry = TimeSpan.FromSeconds(1);

    private readonly NodeCcache ccache;
    private readonly JobCcacheState? job;
    private readonly uint jobId;
    /// <summary>Run on this thread each time the step's ticket becomes a newer one (post_refresh).</summary>
    private readonly Action? afterRefresh;
    private readonly ICredentialBackend backend;
    private readonly IPluginLog log;
    private readonly TimeSpan refreshBefore;
    private readonly TimeProvider clock;
    // No spinning before it blocks: the thread goes to sleep while slurmstepd forks the
    // tasks, and a default event's spin (sched_yield after sched_yield) took a core from it.
    private readonly ManualResetEventSlim stop = new(initialState: false, spinCount: 0);
    private NativeThread? thread;
    private byte[] current;
    private TicketTimes times;
    private int failuresInARow;
    private readonly TimeSpan? checkEvery;
    private DateTimeOffset lastCheck;
    private OneOffTask? oneOff;

    /// <param name="job">When the ccache is a job's, shared by its steps on this node: refreshes happen under its lock, and a ticket another step already refreshed is taken as it is.</param>
    /// <param name="checkEvery">How often to ask the daemon whether the user uploaded a newer ticket (null: only when the ticket runs low).</param>
    /// <param name="afterRefresh">Run after each change to a newer ticket, by this step or, in a shared ccache, another.</param>
    public StepTicketRenewer(NodeCcache ccache, uint jobId, byte[] ticket, ICredentialBackend backend, TimeSpan refreshBefore, IPluginLog log, TimeProvider? clock = null,
        JobCcacheState? job = null, TimeSpan? checkEvery = null, Action? afterRefresh = null)
    {
        this.jobId = jobId;
        this.afterRefresh = afterRefresh;
        this.job = job;
        this.checkEvery = checkEvery;
        this.ccache = ccache;
        this.backend = backend;
        this.refreshBefore = refreshBefore;
        this.log = log;
        this.clock = clock ?? TimeProvider.System;
        current = ticket;
        times = backend.Describe(ticket);
        lastCheck = this.clock.GetUtcNow();
    }

    /// <summary>
    /// Gives this thread one more job, done once <paramref name="delay"/> into the step, while
    /// the step runs rather than at its start or end, which srun waits for. If the step ends
    /// first, the job is not done. Call before <see cref="Start"/>.
    /// </summary>
    public void RunOnceAfter(TimeSpan delay, Action work)
    {
        oneOff = new OneOffTask(work, clock.GetUtcNow() + delay);
    }

    public void Start() => thread ??= NativeThread.Start(Run);

    /// <summary>Wakes the thread and waits for it; bounded, since a refresh in progress is bounded by the client timeout.</summary>
    public void Stop(TimeSpan wait)
    {
        stop.Set();
        if (thread is { IsAlive: true } && !thread.Join(wait))
            log.Debug("the renewal thread is still finishing a refresh; leaving it behind");
    }

    /// <summary>When to try next: <see cref="refreshBefore"/> ahead of the end, or half the ticket's life for short tickets.</summary>
    internal TimeSpan NextWait()
    {
        DateTimeOffset now = clock.GetUtcNow();
        TimeSpan life = times.End - times.Start;
        TimeSpan lead = life / 2 < refreshBefore ? life / 2 : refreshBefore;
        TimeSpan untilDue = times.End - lead - now;
        if (failuresInARow == 0 && untilDue > TimeSpan.Zero)
            return untilDue;
        // Due, or the last attempt got nothing later: retry at a pace that fits the ticket.
        TimeSpan retry = life / 10 * Math.Min(1 << Math.Min(failuresInARow, 6), 64);
        retry = retry < ShortestRetry ? ShortestRetry : retry > LongestRetry ? LongestRetry : retry;
        return untilDue > retry ? untilDue : retry;
    }

    /// <summary>
    /// Until the next look for a newer upload: every <see cref="checkEvery"/>, and five times as often (at
    /// least every 10 s apart) once the ticket is past half its life, when a newer one matters more.
    /// </summary>
    internal TimeSpan? NextCheck()
    {
        if (checkEvery is not { } every)
            return null;
        DateTimeOffset now = clock.GetUtcNow();
        bool pastHalf = now > times.Start + (times.End - times.Start) / 2;
        TimeSpan interval = pastHalf ? Max(every / 5, TimeSpan.FromSeconds(10)) : every;
        return Max(lastCheck + interval - now, TimeSpan.Zero);
    }

    private static TimeSpan Max(TimeSpan a, TimeSpan b) => a > b ? a : b;

    /// <summary>
    /// Sleeps until the nearest of three deadlines (the ticket due for a refresh, a look for a newer upload,
    /// the one-off job) and then does what that deadline was for. Which one it was is decided before the
    /// sleep: a wait may end a little early, and comparing the clock with the deadlines afterwards would then
    /// take a one-off job's wake-up for a look at the daemon.
    /// </summary>
    private void Run()
    {
        while (true)
        {
            DateTimeOffset now = clock.GetUtcNow();
            DateTimeOffset dueAt = now + NextWait();
            DateTimeOffset checkAt = NextCheck() is { } untilCheck ? now + untilCheck : DateTimeOffset.MaxValue;
            DateTimeOffset oneOffAt = oneOff?.Due ?? DateTimeOffset.MaxValue;
            DateTimeOffset next = dueAt < checkAt ? dueAt : checkAt;
            next = oneOffAt < next ? oneOffAt : next;
            if (stop.Wait(Max(next - now, TimeSpan.Zero)))
                return;
            if (next == oneOffAt && oneOff is { } task)
            {
                oneOff = null;
                task.Run(log);
                continue;
            }
            if (next == checkAt && checkAt < dueAt)
            {
                try
                {
                    if (TryTakeNewerUpload())
                        afterRefresh?.Invoke();
                }
                catch (Exception e)
                {
                    log.Error($"checking for a newer ticket failed: {e.GetType().Name}: {e.Message}");
                }
                continue;
            }
            try
            {
                if (TryRefresh())
                {
                    failuresInARow = 0;
                    afterRefresh?.Invoke();
                }
                else
                {
                    failuresInARow++;
                }
            }
            catch (Exception e)
            {
                // Nothing may escape a thread inside slurmstepd: that would kill the user's step.
                failuresInARow++;
                log.Error($"renewing the job's ticket failed: {e.GetType().Name}: {e.Message}");
            }
        }
    }

    /// <summary>
    /// Asks the daemon for the user's ticket and takes it if it is newer than the job's (the user ran kinit
    /// and uploaded again, or the daemon renewed it), so that a running job follows the user's latest ticket.
    /// </summary>
    /// <returns>true if the ccache now holds the newer ticket.</returns>
    internal bool TryTakeNewerUpload()
    {
        lastCheck = clock.GetUtcNow();
        byte[] stored;
        try
        {
            stored = backend.Fetch(ccache.Uid, jobId);
        }
        catch (Exception e) when (e is DaemonException or DaemonUnreachableException)
        {
            log.Debug($"no newer ticket from the daemon: {e.Message}");
            return false;
        }
        TicketTimes storedTimes = backend.Describe(stored);
        if (storedTimes.Start <= times.Start || storedTimes.End <= clock.GetUtcNow() || stop.IsSet)
            return false;
        return WithJobLock(() =>
        {
            // Another step of the job may have taken this ticket, or a newer one, already.
            if (job is not null && ccache.ReadTicket(clock.GetUtcNow()) is { } onDisk && backend.Describe(onDisk) is { } diskTimes && diskTimes.Start >= storedTimes.Start)
            {
                current = onDisk;
                times = diskTimes;
                return true;
            }
            ccache.Replace(stored);
            current = stored;
            times = storedTimes;
            log.Verbose($"took the ticket uploaded since into {ccache.FullPath}: {times.Principal} valid until {UtcText.Readable(times.End)}");
            return true;
        });
    }

    /// <summary>Runs <paramref name="action"/> under the job's lock when the ccache is shared; false if the lock could not be had.</summary>
    private bool WithJobLock(Func<bool> action)
    {
        if (job is null)
            return action();
        try
        {
            job.Lock(NodeTicketInstaller.JobLockWait);
        }
        catch (CcacheException e)
        {
            log.Verbose($"not replacing the ticket now: {e.Message}");
            return false;
        }
        try
        {
            return action();
        }
        finally
        {
            job.Unlock();
        }
    }

    /// <returns>true if the ccache now holds a ticket that ends later than before.</returns>
    internal bool TryRefresh() => WithJobLock(() =>
    {
        // Another step of the job may have refreshed the shared file since this one looked.
        if (job is not null && ccache.ReadTicket(clock.GetUtcNow()) is { } onDisk && backend.Describe(onDisk) is { } diskTimes && diskTimes.End > times.End)
        {
            current = onDisk;
            times = diskTimes;
            log.Debug($"{ccache.FullPath} was refreshed by another step of the job: valid until {UtcText.Readable(times.End)}");
            return true;
        }
        return Refresh();
    });

    private bool Refresh()
    {
        byte[]? fresh = null;
        string source = "the credential daemon";
        try
        {
            fresh = backend.Fetch(ccache.Uid, jobId);
        }
        catch (Exception e) when (e is DaemonException or DaemonUnreachableException)
        {
            log.Verbose($"no fresh ticket from the daemon ({e.Message}); renewing at the KDC");
        }
        TicketTimes? freshTimes = fresh is null ? null : backend.Describe(fresh);
        if (freshTimes is null || freshTimes.End <= times.End)
        {
            if (!times.IsRenewable || times.RenewTill <= clock.GetUtcNow())
            {
                log.Verbose($"the ticket of {times.Principal} cannot be renewed past {UtcText.Readable(times.RenewTill)}; waiting for a new upload");
                return false;
            }
            try
            {
                fresh = backend.RenewAtKdc(current);
                freshTimes = backend.Describe(fresh);
                source = "the KDC";
            }
            catch (Krb5Exception e)
            {
                log.Info($"the KDC did not renew the ticket of {times.Principal}: {e.LibraryMessage}");
                return false;
            }
            if (freshTimes.End <= times.End)
                return false;
        }
        if (stop.IsSet)
            return false; // the step is ending; exit deletes the ccache
        ccache.Replace(fresh!);
        current = fresh!;
        times = freshTimes;
        log.Verbose($"refreshed {ccache.FullPath} from {source}: {times.Principal} valid until {UtcText.Readable(times.End)}");
        return true;
    }
}
