using SlurmNative.Plugin.Configuration;
using SlurmNative.Plugin.Spank;

namespace SlurmNative.Plugin;

/// <summary>
/// The plugin's hooks, in the order DESIGN.md's flow runs them. Each hook is
/// reached only when the shim decided there is work (see native/slurmnative_shim.c);
/// each returns a SPANK code, where a negative one fails the step if the site
/// marked the plugin <c>required</c>.
/// </summary>
internal sealed class ForwardingPlugin(IPluginLog log)
{
    private const int Success = 0;
    private const int Failure = -1;

    private PluginSettings? settings;
    private bool configurationReported;

    public int Run(SpankHook hook, ISpankSession session, IReadOnlyList<string> arguments)
    {
        if (!TryConfigure(arguments, out PluginSettings current))
            return configurationReported ? Success : ReportConfigurationError(arguments);

        if (!IsForwarding(session.Request, current))
            return Success;

        return hook switch
        {
            // srun (local) or sbatch/salloc (allocator), as the user; in slurmstepd as root.
            SpankHook.InitPostOpt => Announce(session, "init_post_opt"),
            // slurmstepd only, euid = job user, before the tasks fork.
            SpankHook.UserInit => Announce(session, "user_init"),
            // Teardown in every context; in slurmstepd as root. srun applies -v only
            // after init_post_opt, so this is where srun -v shows the plugin was active.
            SpankHook.Exit => Announce(session, "exit"),
            _ => Success,
        };
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
        string context = session.Context.ToString().ToLowerInvariant();
        string job = session.JobId is uint id ? $" job {id}" + (session.StepId is uint step ? $".{StepName(step)}" : "") : "";
        log.Verbose($"active in {context} context ({hookName}, uid {session.JobUserId}{job})");
        return Success;
    }

    /// <summary>How Slurm itself prints its special step ids.</summary>
    public static string StepName(uint step) => step switch
    {
        Interop.Spank.SLURM_INTERACTIVE_STEP => "interactive",
        Interop.Spank.SLURM_BATCH_SCRIPT => "batch",
        Interop.Spank.SLURM_EXTERN_CONT => "extern",
        _ => step.ToString(System.Globalization.CultureInfo.InvariantCulture),
    };
}
