using System.Globalization;
using SlurmNative.Credentials.Configuration;

namespace SlurmNative.Plugin.Configuration;

/// <summary>
/// The site's settings, from the arguments after the plugin's path in plugstack.conf
/// (<c>optional /usr/lib/slurmnative/slurmnative.so default=on min_uid=1000</c>).
/// Everything about reaching the daemon lives in the shared slurmnative.conf that
/// <see cref="ConfigPath"/> names, so the plugin, the CLI and the daemon agree.
/// </summary>
/// <param name="ForwardByDefault"><c>default=on|off</c>: whether a job that does not say <c>--krb5</c> gets its ticket. Off unless the site turns it on.</param>
/// <param name="ConfigPath"><c>config=PATH</c>: the slurmnative.conf with the daemons' addresses, timeout and munge socket.</param>
/// <param name="CcacheDirectory"><c>ccache_dir=PATH</c>: where the job's FILE ccache goes on the node; /tmp, where rpc.gssd looks.</param>
/// <param name="MinimumUid"><c>min_uid=N</c>: users below it (system accounts) are left alone.</param>
/// <param name="RefreshBefore"><c>refresh_before=DURATION</c>: fetch a fresh ticket when the job's has less than this left (at most half its life).</param>
/// <param name="SyncOnExit"><c>sync=yes|no</c>: flush dirty pages before the ticket goes, so Kerberized NFS can still write them back.</param>
/// <param name="PerStep"><c>scope=job|step</c>: one ccache per job on each node, shared by its steps (job), or one per step.</param>
/// <param name="StateDirectory"><c>state_dir=PATH</c>: root's directory where the steps of a job find the ccache they share.</param>
/// <param name="RefreshCheck"><c>refresh_check=DURATION</c>: how often a running job asks the daemon whether its user uploaded a newer ticket.</param>
/// <param name="MinTicketLife"><c>min_ticket_life=DURATION</c>: a submission whose ticket cannot be renewed that far is refused.</param>
/// <param name="PostRefresh"><c>post_refresh=PATH</c>: a program run as the job's user after each install and refresh of its ticket (aklog, say).</param>
/// <param name="PostRefreshTimeout"><c>post_refresh_timeout=DURATION</c>: when that program is killed.</param>
internal sealed record PluginSettings(
    bool ForwardByDefault,
    string ConfigPath = SlurmNativeConfig.DefaultPath,
    string CcacheDirectory = Interop.Shim.SLURMNATIVE_CCACHE_DIR,
    uint MinimumUid = 1000,
    TimeSpan? RefreshBefore = null,
    bool SyncOnExit = false,
    bool PerStep = false,
    string StateDirectory = PluginSettings.DefaultStateDirectory,
    TimeSpan? RefreshCheck = null,
    TimeSpan? MinTicketLife = null,
    string? PostRefresh = null,
    TimeSpan? PostRefreshTimeout = null)
{
    /// <summary>On tmpfs: job records vanish with a reboot, as the jobs do. The C side reads it too.</summary>
    public const string DefaultStateDirectory = Interop.Shim.SLURMNATIVE_STATE_DIR;

    public static readonly PluginSettings Defaults = new(ForwardByDefault: false);

    public TimeSpan RefreshBeforeOrDefault => RefreshBefore ?? TimeSpan.FromMinutes(30);

    public TimeSpan RefreshCheckOrDefault => RefreshCheck ?? TimeSpan.FromMinutes(5);

    public TimeSpan PostRefreshTimeoutOrDefault => PostRefreshTimeout ?? TimeSpan.FromSeconds(10);

    private delegate PluginSettings Apply(PluginSettings settings, string value);

    private sealed record Key(string Name, string Accepted, Func<string, bool> IsValid, Apply Set);

    private static readonly Key[] Keys =
    [
        new(Interop.Shim.SLURMNATIVE_ARG_DEFAULT, "on or off", v => v is "on" or Interop.Shim.SLURMNATIVE_ARG_DEFAULT_OFF, (s, v) => s with { ForwardByDefault = v == "on" }),
        new("config", "an absolute path", Path.IsPathFullyQualified, (s, v) => s with { ConfigPath = v }),
        new(Interop.Shim.SLURMNATIVE_ARG_CCACHE_DIR, "an absolute path", Path.IsPathFullyQualified, (s, v) => s with { CcacheDirectory = v }),
        new("min_uid", "a uid (0 or more)", v => uint.TryParse(v, NumberStyles.None, CultureInfo.InvariantCulture, out _),
            (s, v) => s with { MinimumUid = uint.Parse(v, NumberStyles.None, CultureInfo.InvariantCulture) }),
        new("refresh_before", "a duration such as 30m, 90s or 2h", IsDuration, (s, v) => s with { RefreshBefore = SlurmNativeConfig.Duration(v) }),
        new("sync", "yes or no", v => v is "yes" or "no", (s, v) => s with { SyncOnExit = v == "yes" }),
        new(Interop.Shim.SLURMNATIVE_ARG_SCOPE, "job or step", v => v is Interop.Shim.SLURMNATIVE_ARG_SCOPE_JOB or "step", (s, v) => s with { PerStep = v == "step" }),
        new(Interop.Shim.SLURMNATIVE_ARG_STATE_DIR, "an absolute path", Path.IsPathFullyQualified, (s, v) => s with { StateDirectory = v }),
        new("refresh_check", "a duration such as 5m or 30s", IsDuration, (s, v) => s with { RefreshCheck = SlurmNativeConfig.Duration(v) }),
        new("min_ticket_life", "a duration such as 8h or 2d", IsDuration, (s, v) => s with { MinTicketLife = SlurmNativeConfig.Duration(v) }),
        new(Interop.Shim.SLURMNATIVE_ARG_POST_REFRESH, "an absolute path", Path.IsPathFullyQualified, (s, v) => s with { PostRefresh = v }),
        new("post_refresh_timeout", "a duration such as 10s", IsDuration, (s, v) => s with { PostRefreshTimeout = SlurmNativeConfig.Duration(v) }),
        // The shim reads it before the runtime starts (native/runtime_membarrier.c); here it is only checked.
        new(Interop.Shim.SLURMNATIVE_ARG_MEMBARRIER, "decline or runtime",
            v => v is Interop.Shim.SLURMNATIVE_ARG_MEMBARRIER_DECLINE or Interop.Shim.SLURMNATIVE_ARG_MEMBARRIER_RUNTIME, (s, _) => s),
    ];

    /// <summary>
    /// Parses every argument; the first bad one is reported by name together with
    /// what would be accepted, so the admin can fix the line without reading code.
    /// </summary>
    public static bool TryParse(IReadOnlyList<string> arguments, out PluginSettings settings, out string? error)
    {
        settings = Defaults;
        error = null;
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (string argument in arguments)
        {
            int equals = argument.IndexOf('=');
            if (equals <= 0)
            {
                error = $"plugstack.conf argument '{argument}' is not of the form key=value (known keys: {KnownKeys}); fix the slurmnative line in plugstack.conf";
                return false;
            }
            string name = argument[..equals];
            string value = argument[(equals + 1)..];
            Key? key = Array.Find(Keys, k => k.Name == name);
            if (key is null)
            {
                error = $"plugstack.conf argument '{argument}' has an unknown key '{name}' (known keys: {KnownKeys}); fix the slurmnative line in plugstack.conf";
                return false;
            }
            if (!seen.Add(name))
            {
                error = $"plugstack.conf argument '{argument}' repeats the key '{name}'; keep one of them in the slurmnative line of plugstack.conf";
                return false;
            }
            if (!key.IsValid(value))
            {
                error = $"plugstack.conf argument '{argument}': '{name}' must be {key.Accepted}; fix the slurmnative line in plugstack.conf";
                return false;
            }
            settings = key.Set(settings, value);
        }
        return true;
    }

    private static bool IsDuration(string value)
    {
        try
        {
            return SlurmNativeConfig.Duration(value) > TimeSpan.Zero;
        }
        catch (FormatException)
        {
            return false;
        }
    }

    private static string KnownKeys => string.Join(", ", Array.ConvertAll(Keys, k => k.Name));
}
