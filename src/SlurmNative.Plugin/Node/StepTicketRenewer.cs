using SlurmNative.Credentials;
using SlurmNative.Credentials.Ccache;
using SlurmNative.Credentials.Client;
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
    private Action? errand;
    private DateTimeOffset errandDue;

    /// <param name="job">When the ccache is a job's, shared by its steps on this node: refreshes happen under its lock, and a ticket another step already refreshed is taken as it is.</param>
    public StepTicketRenewer(NodeCcache ccache, byte[] ticket, ICredentialBackend backend, TimeSpan refreshBefore, IPluginLog log, TimeProvider? clock = null, JobCcacheState? job = null)
    {
        this.job = job;
        this.ccache = ccache;
        this.backend = backend;
        this.refreshBefore = refreshBefore;
        this.log = log;
        this.clock = clock ?? TimeProvider.System;
        current = ticket;
        times = backend.Describe(ticket);
    }

    /// <summary>
    /// Gives this thread one more job, done once <paramref name="delay"/> into the step, while
    /// the step runs rather than at its start or end, which srun waits for. If the step ends
    /// first, the job is not done. Call before <see cref="Start"/>.
    /// </summary>
    public void RunOnceAfter(TimeSpan delay, Action work)
    {
        errand = work;
        errandDue = clock.GetUtcNow() + delay;
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

    private TimeSpan NextWakeUp()
    {
        TimeSpan wait = NextWait();
        if (errand is null)
            return wait;
        TimeSpan untilErrand = errandDue - clock.GetUtcNow();
        return untilErrand >= wait ? wait : untilErrand > TimeSpan.Zero ? untilErrand : TimeSpan.Zero;
    }

    private void Run()
    {
        while (!stop.Wait(NextWakeUp()))
        {
            if (errand is { } work && clock.GetUtcNow() >= errandDue)
            {
                errand = null;
                try
                {
                    work();
                }
                catch (Exception e)
                {
                    log.Error($"a step housekeeping job failed: {e.GetType().Name}: {e.Message}");
                }
                continue;
            }
            try
            {
                if (TryRefresh())
                    failuresInARow = 0;
                else
                    failuresInARow++;
            }
            catch (Exception e)
            {
                // Nothing may escape a thread inside slurmstepd: that would kill the user's step.
                failuresInARow++;
                log.Error($"renewing the job's ticket failed: {e.GetType().Name}: {e.Message}");
            }
        }
    }

    /// <returns>true if the ccache now holds a ticket that ends later than before.</returns>
    internal bool TryRefresh()
    {
        if (job is null)
            return Refresh();
        try
        {
            job.Lock(NodeCredentials.JobLockWait);
        }
        catch (CcacheException e)
        {
            log.Verbose($"not refreshing now: {e.Message}");
            return false;
        }
        try
        {
            // Another step of the job may have refreshed the shared file since this one looked.
            if (ccache.ReadTicket(clock.GetUtcNow()) is { } onDisk && backend.Describe(onDisk) is { } diskTimes && diskTimes.End > times.End)
            {
                current = onDisk;
                times = diskTimes;
                log.Debug($"{ccache.FullPath} was refreshed by another step of the job: valid until {UtcText.Readable(times.End)}");
                return true;
            }
            return Refresh();
        }
        finally
        {
            job.Unlock();
        }
    }

    private bool Refresh()
    {
        byte[]? fresh = null;
        string source = "the credential daemon";
        try
        {
            fresh = backend.Fetch(ccache.Uid);
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
