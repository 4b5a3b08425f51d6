using System.Text;
using CsCheck;
using SlurmNative.Fuzz.Engine;
using SlurmNative.Plugin.Configuration;

namespace SlurmNative.Fuzz.Targets.Configuration;

/// <summary>
/// The arguments after the plugin's path in plugstack.conf, split on white space as Slurm
/// splits them. PluginSettings.TryParse answers with false and a message; it never throws,
/// since inside srun or slurmstepd an exception would reach the hook boundary.
/// </summary>
internal sealed class PlugstackArgumentsTarget() : FuzzTarget(
    "plugstack-args",
    "PluginSettings.TryParse: key=value arguments from plugstack.conf",
    null,
    new MemoryBound(64))
{
    public override Outcome Run(byte[] input)
    {
        string[] arguments = Encoding.UTF8.GetString(input).Split([' ', '\t', '\n'], StringSplitOptions.RemoveEmptyEntries);
        if (PluginSettings.TryParse(arguments, out PluginSettings settings, out string? error))
        {
            if (error is not null || settings.RefreshBeforeOrDefault <= TimeSpan.Zero || settings.RefreshCheckOrDefault <= TimeSpan.Zero
                || settings.PostRefreshTimeoutOrDefault <= TimeSpan.Zero || settings.MinTicketLife <= TimeSpan.Zero)
                throw new PropertyViolation("accepted arguments came with an error or a duration that is not positive");
            if (settings.PostRefresh is { } program && !Path.IsPathFullyQualified(program))
                throw new PropertyViolation($"accepted arguments run the relative program '{program}' after each refresh");
            return Outcome.Accepted;
        }
        if (string.IsNullOrEmpty(error))
            throw new PropertyViolation("refused arguments came without a message");
        return Outcome.Refused;
    }

    public override IReadOnlyList<byte[]> Dictionary { get; } =
        new[] { "default=", "config=", "ccache_dir=", "min_uid=", "refresh_before=", "sync=", "scope=", "state_dir=", "refresh_check=", "min_ticket_life=",
                "post_refresh=", "post_refresh_timeout=", "membarrier=", "job", "step", "decline", "runtime", "on", "off", "yes", "no", "/", " ", "=" }.Select(Encoding.UTF8.GetBytes).ToArray();

    private static readonly Gen<string> Argument = Gen.Frequency(
        (8, Gen.Select(Gen.OneOf("default", "config", "ccache_dir", "min_uid", "refresh_before", "sync", "scope", "state_dir", "refresh_check",
                "min_ticket_life", "post_refresh", "post_refresh_timeout", "membarrier", "Default", "unknown", ""),
            Gen.OneOf("on", "off", "yes", "no", "job", "step", "decline", "runtime", "/usr/bin/aklog", "aklog", "/etc/slurmnative/slurmnative.conf", "relative", "/tmp", "1000", "-1", "4294967296", "30m", "0s", "90", "99999999999999d", "9223372036854775807ms", "106751991167d", "")).Select((key, value) => $"{key}={value}")),
        (1, Gen.OneOf("default", "=on", "==", "default==on")),
        (1, Gen.String[Gen.Char, 0, 20]));

    public override Gen<byte[]> Structured { get; } =
        Argument.Array[0, 7].Select(arguments => Encoding.UTF8.GetBytes(string.Join(" ", arguments)));
}
