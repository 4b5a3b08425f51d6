using System.Runtime.ExceptionServices;
using SlurmNative.Credentials;
using SlurmNative.Credentials.Ccache;
using SlurmNative.Credentials.Client;
using SlurmNative.Credentials.Kerberos;
using SlurmNative.Credentials.Protocol;
using SlurmNative.Plugin.Backend;
using SlurmNative.Plugin.Configuration;
using SlurmNative.Plugin.Spank;

namespace SlurmNative.Plugin.Node;

/// <summary>
/// slurmstepd (remote context): gets the job owner's ticket onto this node, points the step at it,
/// keeps it fresh while the step runs, and removes it when it is no longer needed.
/// <para>
/// With <c>scope=job</c> (the default) a job has one ccache per node, shared by its steps. The first
/// step to need it installs it: the extern step, where the site runs one (PrologFlags=Contain), which
/// lives as long as the job and keeps the ticket fresh; otherwise the first ordinary step. Later steps
/// find it through the job's record (<see cref="JobCcacheState"/>) and fetch nothing; where the extern
/// step looks after it, the C side points them at it without starting .NET at all. Every step taking
/// part renews under the job's lock, so one refreshes and the others find the file already fresh,
/// and whichever leaves last removes it. With <c>scope=step</c> every step has a ccache of its own.
/// </para>
/// </summary>
internal sealed class NodeTicketInstaller(ICredentialBackend backend, IPluginLog log, TimeProvider? clock = null)
{
    public const string CcacheVariable = Interop.Shim.SLURMNATIVE_CCACHE_VARIABLE;

    /// <summary>
    /// When a forwarding step sweeps the ccaches of killed steps: a few seconds in, on its
    /// renewal thread, so neither the step's start nor its end waits for a listing of /tmp
    /// and, when there are candidates, of /proc. Shorter steps leave it to the next one or
    /// to the Epilog's `slurmnative sweep`.
    /// </summary>
    internal static readonly TimeSpan SweepDelay = TimeSpan.FromSeconds(2);

    /// <summary>How long a step waits for another step of its job that is installing or refreshing the ticket.</summary>
    internal static readonly TimeSpan JobLockWait = TimeSpan.FromSeconds(30);

    private readonly TimeProvider time = clock ?? TimeProvider.System;
    private NodeCcache? ccache;
    private StepTicketRenewer? renewer;
    private EarlyFetch? early;
    // Job scope: the job's shared state on this node, and whether this step holds its lock to install.
    private JobCcacheState? job;
    private bool installing;

    public string? CcachePath => ccache?.FullPath;

    public StepTicketRenewer? Renewer => renewer;

    /// <summary>
    /// init_post_opt (as root). For a step of its own, or a job whose ticket is not on this node yet:
    /// signs a fetch of the job owner's ticket here, as root, and runs the exchange with the daemon on
    /// a thread of its own, so the round trip (a few milliseconds, most of a step's start-up cost)
    /// overlaps slurmstepd's own set-up of the step, which runs between this hook and user_init. Signing
    /// on the hook's thread keeps the request root's even if slurmstepd takes on the user's identity
    /// meanwhile. The daemon's default ACL lets root on a cluster host fetch for the job's node; where a
    /// site's ACL refuses it, user_init asks again as the owner. For the extern step (job scope), which
    /// has no user_init, the whole install happens here.
    /// </summary>
    public int Prefetch(ISpankSession session, PluginSettings settings)
    {
        if (early is not null || job is not null)
            return 0;
        uint uid = session.JobUserId;
        if (settings.PerStep)
        {
            return StartEarlyFetch(session);
        }
        if (session.JobId is not uint jobId || session.JobGroupId is not uint gid)
        {
            log.Error("Slurm gave no job id or gid in init_post_opt; no ticket installed");
            return -1;
        }
        bool isExtern = session.StepId == Interop.Spank.SLURM_EXTERN_CONT;
        try
        {
            job = JobCcacheState.Join(settings.StateDirectory, jobId, JobLockWait);
            if (job.Read() is { } record && record.Uid == uid
                && NodeCcache.TryAdopt(settings.CcacheDirectory, record.FileName, uid, gid) is { } shared)
            {
                ccache = shared;
                if (!isExtern)
                {
                    job.Unlock();
                    log.Debug($"job {jobId} already has its ticket on this node in {shared.FullPath}");
                    return 0;
                }
                // A step got here first: the extern step, which outlives it, looks after the ticket from now on.
                job.Write(record with { ExternPid = Environment.ProcessId });
                job.Unlock();
                return CurrentJobTicket(uid, jobId) is { } current ? StartRenewing(settings, current, "looks after", jobId) : -1;
            }
        }
        catch (CcacheException e)
        {
            log.Error($"cannot share the job's Kerberos ticket on this node: {e.Message}");
            LeaveJob();
            return -1;
        }
        installing = true;
        if (!isExtern)
            return StartEarlyFetch(session);
        byte[] ticket;
        try
        {
            ticket = backend.Fetch(uid, jobId);
        }
        catch (Exception e) when (e is DaemonException or DaemonUnreachableException)
        {
            installing = false;
            job.Unlock();
            log.Error($"no Kerberos ticket for job {jobId} of uid {uid}: {e.Message}");
            return -1;
        }
        return InstallForJob(session, settings, ticket);
    }

    private int StartEarlyFetch(ISpankSession session)
    {
        if (session.JobId is not uint jobId)
        {
            log.Error("Slurm gave no job id in init_post_opt; no ticket installed");
            return -1;
        }
        try
        {
            early = new EarlyFetch(session.JobUserId, backend.SignFetch(session.JobUserId, jobId));
        }
        catch (Exception e)
        {
            // MUNGE refused to sign (munged down, say), or no thread to spare: user_init's own fetch reports it.
            log.Debug($"fetching the ticket early failed ({e.Message}); user_init fetches it");
        }
        return 0;
    }

    /// <summary>Exit before user_init took the early fetch's result: drop it, without waiting for a daemon that may be slow.</summary>
    public void DiscardPrefetch() => early = null;

    /// <summary>
    /// user_init: euid is the job user's. Points the step at its ticket: the job's shared ccache, or a
    /// new one made from the ticket fetched since init_post_opt (or fetched now, as the owner).
    /// </summary>
    public int Install(ISpankSession session, PluginSettings settings)
    {
        uint uid = session.JobUserId;
        if (session.JobId is not uint jobId || session.StepId is not uint step || session.JobGroupId is not uint gid)
        {
            DiscardPrefetch();
            log.Error("Slurm gave no job id, step id or gid in user_init; no ticket installed");
            return -1;
        }
        if (!settings.PerStep && job is null)
            return -1; // init_post_opt could not join the job, and said why
        if (!settings.PerStep && !installing)
            return UseJobCcache(session, settings, uid);

        byte[] ticket;
        try
        {
            ticket = TakePrefetched(uid) ?? backend.Fetch(uid, jobId);
        }
        catch (Exception e) when (e is DaemonException or DaemonUnreachableException)
        {
            installing = false;
            job?.Unlock();
            log.Error($"no Kerberos ticket for the job of uid {uid}: {e.Message}");
            return -1;
        }
        if (!settings.PerStep)
            return InstallForJob(session, settings, ticket);

        try
        {
            ccache = NodeCcache.Create(settings.CcacheDirectory, LeftoverSweep.NameFor(uid, jobId, ForwardingPlugin.StepName(step)), uid, gid, ticket);
        }
        catch (CcacheException e)
        {
            log.Error($"cannot install the job's Kerberos ticket: {e.Message}");
            return -1;
        }
        return PointStepAt(session, settings, ticket, "installed");
    }

    /// <summary>Writes the job's ccache and its record, releases the job's lock, and (but in the extern step) points the step at it.</summary>
    private int InstallForJob(ISpankSession session, PluginSettings settings, byte[] ticket)
    {
        uint uid = session.JobUserId;
        bool isExtern = session.StepId == Interop.Spank.SLURM_EXTERN_CONT;
        try
        {
            ccache = NodeCcache.Create(settings.CcacheDirectory, LeftoverSweep.JobNameFor(uid, session.JobId!.Value), uid, session.JobGroupId!.Value, ticket);
            job!.Write(new JobCcacheRecord(uid, isExtern ? Environment.ProcessId : 0, ccache.FileName));
        }
        catch (CcacheException e)
        {
            log.Error($"cannot install the job's Kerberos ticket: {e.Message}");
            return -1;
        }
        finally
        {
            installing = false;
            job!.Unlock();
        }
        return isExtern ? StartRenewing(settings, ticket, "installed", session.JobId!.Value) : PointStepAt(session, settings, ticket, "installed");
    }

    private int UseJobCcache(ISpankSession session, PluginSettings settings, uint uid) =>
        CurrentJobTicket(uid, session.JobId!.Value) is { } ticket ? PointStepAt(session, settings, ticket, "uses") : -1;

    /// <summary>
    /// The ticket in the job's shared ccache; if it has expired (or the file is unreadable), a fresh one
    /// from the daemon, written over it for every step.
    /// </summary>
    private byte[]? CurrentJobTicket(uint uid, uint jobId)
    {
        if (ccache!.ReadTicket(time.GetUtcNow()) is { } ticket)
            return ticket;
        try
        {
            ticket = backend.Fetch(uid, jobId);
            job!.Lock(JobLockWait);
            ccache.Replace(ticket);
            return ticket;
        }
        catch (Exception e) when (e is DaemonException or DaemonUnreachableException or CcacheException)
        {
            log.Error($"the job's shared ticket in {ccache.FullPath} is no longer valid and no fresh one could be had: {e.Message}");
            return null;
        }
        finally
        {
            job!.Unlock();
        }
    }

    private int PointStepAt(ISpankSession session, PluginSettings settings, byte[] ticket, string verb)
    {
        if (!session.SetEnvironment(CcacheVariable, ccache!.CcacheName))
        {
            log.Error($"Slurm refused to set {CcacheVariable} in the job's environment");
            Remove(settings);
            return -1;
        }
        return StartRenewing(settings, ticket, verb, session.JobId!.Value);
    }

    private int StartRenewing(PluginSettings settings, byte[] ticket, string verb, uint jobId)
    {
        Action? afterRefresh = null;
        if (settings.PostRefresh is { } program)
        {
            var hook = new PostRefreshHook(program, settings.PostRefreshTimeoutOrDefault, log);
            NodeCcache installed = ccache!;
            afterRefresh = () => hook.Run(installed, jobId);
            afterRefresh();
        }
        renewer = new StepTicketRenewer(ccache!, jobId, ticket, backend, settings.RefreshBeforeOrDefault, log, clock, job, settings.RefreshCheckOrDefault, afterRefresh);
        string directory = settings.CcacheDirectory, stateDirectory = settings.StateDirectory;
        renewer.RunOnceAfter(SweepDelay, () =>
        {
            // Other users' leftovers in a sticky /tmp need root; slurmstepd is root again once
            // user_init is over, but drops to the user now and then (output files, for one).
            if (Interop.Libc.geteuid() == 0)
                SweepLeftovers(directory, stateDirectory, log);
        });
        renewer.Start();
        TicketTimes times = backend.Describe(ticket);
        log.Verbose($"{verb} the ticket of {times.Principal} in {ccache!.FullPath}, valid until {UtcText.Readable(times.End)}");
        return 0;
    }

    /// <summary>
    /// The early fetch's ticket, once it is done (each attempt is bounded by the client timeout).
    /// Only a refusal (the site's ACL not letting root fetch) is worth the owner's own request;
    /// the daemon's other answers (no ticket stored, say) would be the same for the owner, and
    /// no daemon reachable would make the step wait a second timeout.
    /// </summary>
    private byte[]? TakePrefetched(uint uid)
    {
        if (early is not { } fetch)
            return null;
        early = null;
        byte[]? ticket = fetch.Wait(out Exception? failure);
        if (fetch.Uid != uid)
            return null;
        switch (failure)
        {
            case null:
                return ticket;
            case DaemonException { Status: ReplyStatus.Forbidden }:
                log.Debug($"the daemon refused root's early fetch ({failure.Message}); asking as uid {uid}");
                return null;
            case DaemonException or DaemonUnreachableException:
                ExceptionDispatchInfo.Throw(failure);
                return null;
            default:
                log.Debug($"the early fetch got no ticket ({failure.GetType().Name}: {failure.Message}); asking as uid {uid}");
                return null;
        }
    }

    /// <summary>
    /// exit (as root): stop renewing, and remove the ccache unless other steps of the job still use it;
    /// optionally flush writeback first, while the ticket is still valid.
    /// </summary>
    public int Remove(PluginSettings? settings = null)
    {
        renewer?.Stop(TimeSpan.FromSeconds(10));
        renewer = null;
        early = null;
        bool lastOut = true;
        if (job is not null)
        {
            try
            {
                job.Lock(JobLockWait);
                JobCcacheRecord? record = job.Read();
                lastOut = job.Leave();
                // A step that failed before it took the ccache up is still the one to remove it, if it leaves last.
                if (lastOut && ccache is null && record is not null && settings is not null)
                    ccache = NodeCcache.TryAdopt(settings.CcacheDirectory, record.FileName, record.Uid, 0);
            }
            catch (CcacheException e)
            {
                // The others, or the sweep, will remove it.
                log.Error($"could not leave the job's shared ticket cleanly: {e.Message}");
                lastOut = false;
            }
            LeaveJob();
        }
        if (ccache is not null)
        {
            if (lastOut)
            {
                if (settings?.SyncOnExit == true)
                    Interop.Libc.sync();
                try
                {
                    ccache.Remove();
                    log.Debug($"removed {ccache.FullPath}");
                }
                catch (CcacheException e)
                {
                    log.Error(e.Message);
                }
            }
            ccache.Dispose();
            ccache = null;
        }
        return 0;
    }

    private void LeaveJob()
    {
        job?.Dispose();
        job = null;
        installing = false;
    }

    /// <summary>Removes ccaches and job records of steps gone from this node; needs no daemon, so it runs even when this step installed nothing.</summary>
    public static void SweepLeftovers(string directory, string stateDirectory, IPluginLog log)
    {
        try
        {
            Func<RunningSteps> running = () => LeftoverSweep.RunningStepsOnThisNode();
            foreach (string name in LeftoverSweep.Sweep(directory, running))
                log.Info($"removed {Path.Combine(directory, name)}, left behind by a step that is gone");
            foreach (string name in LeftoverSweep.SweepJobStates(stateDirectory, running))
                log.Debug($"removed {Path.Combine(stateDirectory, name)}, left behind by a job that is gone");
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or CcacheException)
        {
            log.Debug($"sweeping {directory} for leftover ccaches failed: {e.Message}");
        }
    }
}
