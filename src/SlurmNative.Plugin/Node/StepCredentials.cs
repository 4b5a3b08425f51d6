using SlurmNative.Credentials;
using SlurmNative.Credentials.Ccache;
using SlurmNative.Credentials.Client;
using SlurmNative.Plugin.Backend;
using SlurmNative.Plugin.Configuration;
using SlurmNative.Plugin.Spank;

namespace SlurmNative.Plugin.Node;

/// <summary>
/// slurmstepd (remote context): installs the job owner's ticket as the step's ccache
/// in user_init, keeps it fresh while the step runs, and removes it at exit, together
/// with any ccache a killed step on this node left behind.
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

    public string? CcachePath => ccache?.FullPath;

    public StepTicketRenewer? Renewer => renewer;

    /// <summary>user_init: euid is the job user's; the daemon sees the owner asking for their own ticket.</summary>
    public int Install(ISpankSession session, PluginSettings settings)
    {
        uint uid = session.JobUserId;
        if (session.JobId is not uint job || session.StepId is not uint step || session.JobGroupId is not uint gid)
        {
            log.Error("Slurm gave no job id, step id or gid in user_init; no ticket installed");
            return -1;
        }

        byte[] ticket;
        try
        {
            ticket = backend.Fetch(uid);
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

    /// <summary>Removes ccaches of steps gone from this node; needs no daemon, so it runs even when this step installed nothing.</summary>
    public static void SweepLeftovers(string directory, IPluginLog log)
    {
        try
        {
            foreach (string name in LeftoverSweep.Sweep(directory, () => LeftoverSweep.ActiveStepsOnThisNode()))
                log.Info($"removed {Path.Combine(directory, name)}, left behind by a step that is gone");
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or CcacheException)
        {
            log.Debug($"sweeping {directory} for leftover ccaches failed: {e.Message}");
        }
    }
}
