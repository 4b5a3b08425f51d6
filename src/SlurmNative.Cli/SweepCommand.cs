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
        var directory = new Option<string>("--dir") { Description = "where the plugin writes ccaches (its ccache_dir)", DefaultValueFactory = _ => "/tmp" };
        var stateDirectory = new Option<string>("--state-dir") { Description = "where the plugin keeps its jobs' records (its state_dir)", DefaultValueFactory = _ => "/run/slurmnative" };
        var command = new Command("sweep", "remove ccaches and job records whose job or step is gone from this node (for slurmd's Epilog, as root)") { directory, stateDirectory };
        command.SetAction(r =>
        {
            TextWriter output = r.InvocationConfiguration.Output;
            string path = r.GetValue(directory)!;
            string statePath = r.GetValue(stateDirectory)!;
            RunningSteps? running = null;
            RunningSteps Running() => running ??= LeftoverSweep.RunningStepsOnThisNode();
            try
            {
                foreach (string name in LeftoverSweep.Sweep(path, Running))
                    output.WriteLine($"removed {Path.Combine(path, name)}");
                foreach (string name in LeftoverSweep.SweepJobStates(statePath, Running))
                    output.WriteLine($"removed {Path.Combine(statePath, name)}");
                // Not an error: slurmd drains a node whose Epilog fails, and the next sweep will see these steps again.
                if (running is { KeepAllReasons.Count: > 0 })
                    r.InvocationConfiguration.Error.WriteLine(
                        $"slurmnative: kept every step ccache in {path}: {string.Join("; ", running.KeepAllReasons)}; a later sweep will look again");
                return (int)ExitCode.Ok;
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException or CcacheException)
            {
                r.InvocationConfiguration.Error.WriteLine($"slurmnative: cannot sweep {path}: {e.Message}; run as root, with --dir and --state-dir set to the plugin's ccache_dir and state_dir");
                return (int)ExitCode.Usage;
            }
        });
        return command;
    }
}
