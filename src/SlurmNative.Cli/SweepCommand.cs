using System.CommandLine;
using SlurmNative.Credentials.Ccache;

namespace SlurmNative.Cli;

/// <summary>
/// <c>slurmnative sweep</c>: the leftover sweep the plugin runs at every step exit, as a
/// command for slurmd's Epilog. After a node reboot or a killed slurmstepd, the next job's
/// step would clean up anyway; the epilog does it as soon as the job is over, even if no
/// other job comes to the node.
/// </summary>
internal static class SweepCommand
{
    public static Command Create()
    {
        var directory = new Option<string>("--dir") { Description = "where the plugin writes step ccaches (its ccache_dir)", DefaultValueFactory = _ => "/tmp" };
        var command = new Command("sweep", "remove step ccaches whose slurmstepd is gone from this node (for slurmd's Epilog, as root)") { directory };
        command.SetAction(r =>
        {
            TextWriter output = r.InvocationConfiguration.Output;
            string path = r.GetValue(directory)!;
            RunningSteps? running = null;
            try
            {
                foreach (string name in LeftoverSweep.Sweep(path, () => running = LeftoverSweep.RunningStepsOnThisNode()))
                    output.WriteLine($"removed {Path.Combine(path, name)}");
                // Not an error: slurmd drains a node whose Epilog fails, and the next sweep will see these steps again.
                if (running is { KeepAllReasons.Count: > 0 })
                    r.InvocationConfiguration.Error.WriteLine(
                        $"slurmnative: kept every step ccache in {path}: {string.Join("; ", running.KeepAllReasons)}; a later sweep will look again");
                return (int)ExitCode.Ok;
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException or CcacheException)
            {
                r.InvocationConfiguration.Error.WriteLine($"slurmnative: cannot sweep {path}: {e.Message}; run as root, with --dir set to the plugin's ccache_dir");
                return (int)ExitCode.Usage;
            }
        });
        return command;
    }
}
