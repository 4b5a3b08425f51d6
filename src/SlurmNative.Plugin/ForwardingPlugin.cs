using SlurmNative.Credentials.Configuration;
using SlurmNative.Plugin.Backend;
using SlurmNative.Plugin.Configuration;
using SlurmNative.Plugin.Node;
using SlurmNative.Plugin.Spank;
using SlurmNative.Plugin.Submit;

namespace SlurmNative.Plugin;

/// <summary>
/// The plugin's hooks, in the order DESIGN.md's flow runs them. Each hook is
/// reached only when the shim decided there is work (see native/slurmnative_shim.c);
/// each returns a SPANK code, where a negative one fails the step if the site
/// marked the plugin <c>required</c>.
/// </summary>
internal sealed class ForwardingPlugin(IPluginLog log, Func<PluginSettings, ICredentialBackend>? backendFactory = null)
{
    private const int Success = 0;
    private const int Failure = -1;

    private PluginSettings? settings;
    private bool configurationReported;
    private ICredentialBackend? backend;
    private bool backendUnavailable;
    // srun's upload in flight, between init_post_opt and local_user_init.
    private TicketUploader? upload;
    // The remote side's state, between init_post_opt and exit of one slurmstepd.
    private NodeTicketInstaller? node;

    public int Run(SpankHook hook, ISpankSession session, IReadOnlyList<string> arguments)
    {
        if (!TryConfigure(arguments, out PluginSettings current))
            return configurationReported ? Success : ReportConfigurationError(arguments);

        if (!IsForwarding(session.Request, current))
            return Success;

        // Accounts the site leaves alone (system users) cost no configuration read, no daemon, no sweep.
        uint uid = session.JobUserId;
        if (uid < current.MinimumUid)
        {
            if (hook != SpankHook.Exit)
                log.Debug($"uid {uid} is below min_uid={current.MinimumUid}; nothing to do");
            return Success;
        }

        switch (hook, session.Context)
        {
            // srun (local), as the submitting user: read the ticket, send it while srun gets its allocation.
            // No announcement here: srun applies -v only later, so its exit hook says it instead.
            case (SpankHook.InitPostOpt, SpankContext.Local):
                return WithBackend(current, b => (upload = new TicketUploader(b, log, current)).Begin(session));
            // srun, as the user, just before it launches the step: the ticket must be stored by now.
            case (SpankHook.LocalUserInit, SpankContext.Local):
                return upload?.Complete(session) ?? Success;
            // sbatch/salloc (allocator), as the submitting user: nothing runs between here and submission.
            case (SpankHook.InitPostOpt, SpankContext.Allocator):
                Announce(session, "init_post_opt");
                return WithBackend(current, b => new TicketUploader(b, log, current).Run(session));
            // slurmstepd, as root, once the step's options are known: join the job's ticket on this
            // node, or start fetching it while slurmstepd sets the step up. The extern step (job
            // scope) installs it here; with scope=step it gets no ccache.
            case (SpankHook.InitPostOpt, SpankContext.Remote) when !current.PerStep || session.StepId != Interop.Spank.SLURM_EXTERN_CONT:
                if (session.StepId == Interop.Spank.SLURM_EXTERN_CONT)
                    Announce(session, "init_post_opt");
                return WithBackend(current, b => (node ??= new NodeTicketInstaller(b, log)).Prefetch(session, current));
            // slurmstepd only, euid = job user, before the tasks fork.
            case (SpankHook.UserInit, SpankContext.Remote):
                Announce(session, "user_init");
                return WithBackend(current, b => (node ??= new NodeTicketInstaller(b, log)).Install(session, current));
            // Teardown in slurmstepd, as root; sweeping leftovers needs no daemon.
            case (SpankHook.Exit, SpankContext.Remote):
                Announce(session, "exit");
                node?.DiscardPrefetch();
                if (node is { CcachePath: not null })
                    return node.Remove(current);
                // A step that installed nothing leaves its job (if it joined) and sweeps at exit instead.
                node?.Remove(current);
                NodeTicketInstaller.SweepLeftovers(current.CcacheDirectory, current.StateDirectory, log);
                return Success;
            // srun applies -v only after init_post_opt, so its exit is where srun -v shows the plugin was active.
            case (SpankHook.Exit, _):
                return Announce(session, "exit");
            default:
                return Success;
        }
    }

    private int WithBackend(PluginSettings current, Func<ICredentialBackend, int> action)
    {
        if (backend is null)
        {
            // Said once per process, like a bad plugstack argument: slurmstepd calls two hooks that need it.
            if (backendUnavailable)
                return Failure;
            try
            {
                backend = backendFactory is null ? new DaemonBackend(SlurmNativeConfig.LoadOrDefault(current.ConfigPath)) : backendFactory(current);
            }
            catch (Exception e) when (e is ConfigException or IOException or UnauthorizedAccessException)
            {
                backendUnavailable = true;
                log.Error($"cannot read {current.ConfigPath}: {e.Message}; fix it or point config= in plugstack.conf at the right file");
                return Failure;
            }
        }
        return action(backend);
    }

    /// <summary>The user's --krb5 wins; without it, the site's default= decides.</summary>
    public static bool IsForwarding(ForwardingRequest request, PluginSettings settings) => request switch
    {
        ForwardingRequest.Yes or ForwardingRequest.Done => true,
        ForwardingRequest.No => false,
        _ => settings.ForwardByDefault,
    };

    private bool TryConfigure(IReadOnlyList<string> arguments, out PluginSettings current)
    {
        if (settings is null && PluginSettings.TryParse(arguments, out PluginSettings parsed, out _))
            settings = parsed;
        current = settings ?? PluginSettings.Defaults;
        return settings is not null;
    }

    private int ReportConfigurationError(IReadOnlyList<string> arguments)
    {
        PluginSettings.TryParse(arguments, out _, out string? error);
        // Said once per process: an optional plugin keeps being called after a failed hook.
        configurationReported = true;
        log.Error($"{error}. Kerberos forwarding is off until it is fixed.");
        return Failure;
    }

    private int Announce(ISpankSession session, string hookName)
    {
        string context = ContextName(session.Context);
        string job = session.JobId is uint id ? $" job {id}" + (session.StepId is uint step ? $".{StepName(step)}" : "") : "";
        log.Verbose($"active in {context} context ({hookName}, uid {session.JobUserId}{job})");
        return Success;
    }

    // Not Enum.ToString: in NativeAOT that reads reflection metadata, on srun's critical path.
    private static string ContextName(SpankContext context) => context switch
    {
        SpankContext.Local => "local",
        SpankContext.Remote => "remote",
        SpankContext.Allocator => "allocator",
        _ => "other",
    };

    /// <summary>How Slurm itself prints its special step ids.</summary>
    public static string StepName(uint step) => step switch
    {
        Interop.Spank.SLURM_INTERACTIVE_STEP => "interactive",
        Interop.Spank.SLURM_BATCH_SCRIPT => "batch",
        Interop.Spank.SLURM_EXTERN_CONT => "extern",
        _ => step.ToString(System.Globalization.CultureInfo.InvariantCulture),
    };
}
