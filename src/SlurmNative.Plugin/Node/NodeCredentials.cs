using System.Runtime.ExceptionServices;
using SlurmNative.Credentials;
using SlurmNative.Credentials.Ccache;
using SlurmNative.Credentials.Client;
using SlurmNative.Credentials.Protocol;
using SlurmNative.Plugin.Backend;
using SlurmNative.Plugin.Configuration;
using SlurmNative.Plugin.Spank;

namespace SlurmNative.Plugin.Node;

/// <summary>
/// slurmstepd (remote context): asks the daemon for the job owner's ticket as soon as the
/// step's options are known (init_post_opt), installs it as the step's ccache in
/// user_init, keeps it fresh while the step runs, and removes it at exit, together with
/// any ccache a killed step on this node left behind.
/// </summary>
internal sealed class StepCredentials(ICredentialBackend backend, IPluginLog log, TimeProvider? clock = null)
{
    public const string CcacheVariable = "KRB5CCNAME";

    /// <summary>
    /// When a forwarding step sweeps the ccaches of killed steps: a few seconds in, on its
    /// renewal thread, so neither the step's start nor its end waits for a listing of /tmp
    /// and, when there are candidates, of /proc. Shorter steps leave it to the next one or
    /// to the Epilog's `slurmnative sweep`.
    /// </summary>
    internal static readonly TimeSpan SweepDelay = TimeSpan.FromSeconds(2);

    private NodeCcache? ccache;
    private StepTicketRenewer? renewer;
    private EarlyFetch? early;

    public string? CcachePath => ccache?.FullPath;

    public StepTicketRenewer? Renewer => renewer;

    /// <summary>
    /// init_post_opt (as root): signs a fetch of the job owner's ticket here, as root, and
    /// runs the exchange with the daemon on a thread of its own, so the round trip (a few
    /// milliseconds, most of a step's start-up cost) overlaps slurmstepd's own set-up of the
    /// step, which runs between this hook and user_init. Signing on the hook's thread keeps
    /// the request root's even if slurmstepd takes on the user's identity meanwhile. The
    /// daemon's default ACL lets root on a cluster host fetch for the job's node; where a
    /// site's ACL refuses it, user_init asks again as the owner.
    /// </summary>
    public void Prefetch(ISpankSession session)
    {
        if (early is not null)
            return;
        uint uid = session.JobUserId;
        try
        {
            early = new EarlyFetch(uid, backend.SignFetch(uid));
        }
        catch (Exception e)
        {
            // MUNGE refused to sign (munged down, say), or no thread to spare: user_init's own fetch reports it.
            log.Debug($"fetching the ticket early failed ({e.Message}); user_init fetches it");
        }
    }

    /// <summary>Exit before user_init took the early fetch's result: drop it, without waiting for a daemon that may be slow.</summary>
    public void DiscardPrefetch() => early = null;

    /// <summary>user_init: euid is the job user's. Takes the ticket fetched since init_post_opt, or fetches it now as the owner.</summary>
    public int Install(ISpankSession session, PluginSettings settings)
    {
        uint uid = session.JobUserId;
        if (session.JobId is not uint job || session.StepId is not uint step || session.JobGroupId is not uint gid)
        {
            DiscardPrefetch();
            log.Error("Slurm gave no job id, step id or gid in user_init; no ticket installed");
            return -1;
        }

        byte[] ticket;
        try
        {
            ticket = TakePrefetched(uid) ?? backend.Fetch(uid);
        }
        catch (Exception e) when (e is DaemonException or DaemonUnreachableException)
        {
            log.Error($"no Kerberos ticket for the job of uid {uid}: {e.Message}");
            return -1;
        }

        TicketTimes times = backend.Describe(ticket);
        try
        {
            ccache = NodeCcache.Create(settings.CcacheDirectory, LeftoverSweep.NameFor(uid, job, ForwardingPlugin.StepName(step)), uid, gid, ticket);
        }
        catch (CcacheException e)
        {
            log.Error($"cannot install the job's Kerberos ticket: {e.Message}");
            return -1;
        }
        if (!session.SetEnvironment(CcacheVariable, ccache.CcacheName))
        {
            log.Error($"Slurm refused to set {CcacheVariable} in the job's environment");
            Remove();
            return -1;
        }
        renewer = new StepTicketRenewer(ccache, ticket, backend, settings.RefreshBeforeOrDefault, log, clock);
        string directory = settings.CcacheDirectory;
        renewer.RunOnceAfter(SweepDelay, () =>
        {
            // Other users' leftovers in a sticky /tmp need root; slurmstepd is root again once
            // user_init is over, but drops to the user now and then (output files, for one).
            if (Interop.Libc.geteuid() == 0)
                SweepLeftovers(directory, log);
        });
        renewer.Start();
        log.Verbose($"installed the ticket of {times.Principal} in {ccache.FullPath}, valid until {UtcText.Readable(times.End)}");
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

    /// <summary>A fetch signed in init_post_opt, exchanged with the daemon on a thread of its own.</summary>
    private sealed class EarlyFetch
    {
        private readonly NativeThread thread;
        private byte[]? ticket;
        private Exception? failure;

        /// <exception cref="InvalidOperationException">no thread could be started.</exception>
        public EarlyFetch(uint uid, Func<byte[]> exchange)
        {
            Uid = uid;
            thread = NativeThread.Start(() =>
            {
                try
                {
                    ticket = exchange();
                }
                catch (Exception e)
                {
                    // Nothing may escape a thread inside slurmstepd; user_init decides what it means.
                    failure = e;
                }
            });
        }

        public uint Uid { get; }

        /// <summary>Waits for the exchange, which the client timeout bounds per server.</summary>
        public byte[]? Wait(out Exception? error)
        {
            thread.Join();
            error = failure;
            return ticket;
        }
    }

    /// <summary>exit (as root): stop renewing, optionally flush writeback while the ticket is still valid, delete.</summary>
    public int Remove(PluginSettings? settings = null)
    {
        renewer?.Stop(TimeSpan.FromSeconds(10));
        renewer = null;
        if (ccache is not null)
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
            ccache.Dispose();
            ccache = null;
        }
        return 0;
    }

    /// <summary>
    /// The running steps, unless slurmstepd acted as the job's user at some point while /proc was read: where
    /// /proc is mounted with hidepid, root's processes (every other slurmstepd) are hidden from a user, and
    /// their steps would have looked gone.
    /// </summary>
    private static RunningSteps RunningStepsSeenAsRoot()
    {
        bool rootBefore = Interop.Libc.geteuid() == 0;
        RunningSteps running = LeftoverSweep.RunningStepsOnThisNode();
        if (!rootBefore || Interop.Libc.geteuid() != 0)
            running.KeepAll("slurmstepd acted as the job's user while /proc was read");
        return running;
    }

    /// <summary>Removes ccaches of steps gone from this node; needs no daemon, so it runs even when this step installed nothing.</summary>
    public static void SweepLeftovers(string directory, IPluginLog log)
    {
        RunningSteps? running = null;
        try
        {
            foreach (string name in LeftoverSweep.Sweep(directory, () => running = RunningStepsSeenAsRoot()))
                log.Info($"removed {Path.Combine(directory, name)}, left behind by a step that is gone");
            if (running is { KeepAllReasons.Count: > 0 })
                log.Debug($"kept every ccache in {directory}: {string.Join("; ", running.KeepAllReasons)}");
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or CcacheException)
        {
            log.Debug($"sweeping {directory} for leftover ccaches failed: {e.Message}");
        }
    }
}
