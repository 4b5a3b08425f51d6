using System.Text.RegularExpressions;
using SlurmNative.Tests.TestSupport;
using Xunit.Abstractions;

namespace SlurmNative.IntegrationTests;

/// <summary>
/// The leftover sweep against real slurmstepd processes of every step form Slurm 22.05 runs: a running
/// step's ccache stays, whatever its slurmstepd's title looks like, while a gone step's is removed.
/// </summary>
[Collection(TestbedCollection.Name)]
public sealed partial class LeftoverSweepTests(Testbed testbed, ITestOutputHelper output)
{
    [GeneratedRegex(@"Submitted batch job (\d+)")]
    private static partial Regex SubmittedJob();

    [Fact]
    public void Running_heterogeneous_and_array_steps_keep_their_ccaches_through_both_sweeps()
    {
        // Heterogeneous jobs and steps put each component on a node of its own.
        testbed.RestartWithNodes(2);
        string reports = Path.Combine(testbed.Directory, $"sweep-reports-{Guid.NewGuid():N}");
        try
        {
            string config = testbed.StartDaemon();
            testbed.UsePlugstackLine($"required {testbed.PluginPath} default=on config={config}");
            testbed.Kinit("alice");
            Directory.CreateDirectory(reports);
            Command.Run("chown", ["alice", reports]).EnsureSuccess("chown");

            // Each task, and each batch script, writes down the ccache it was given, then stays.
            string report = $"echo \"$KRB5CCNAME\" > {reports}/ccache-of-$SLURM_JOB_ID.${{SLURM_STEP_ID:-batch}}.${{SLURM_PROCID:-0}}; sleep 120";
            string hetJob = Path.Combine(reports, "het-job.sh");
            File.WriteAllText(hetJob, $"""
                #!/bin/sh
                #SBATCH -N1 -n1 -o /dev/null
                #SBATCH hetjob
                #SBATCH -N1 -n1
                {report.Replace("sleep 120", "", StringComparison.Ordinal)}
                srun --het-group=0,1 sh -c '{report}'
                """);
            File.SetUnixFileMode(hetJob, (UnixFileMode)0b111_101_101);

            // A heterogeneous job (each component its own job id, titled [J.0] and [K.0]) and a heterogeneous
            // step in an ordinary allocation (both components titled [J.0+C], sharing the ccache name J.0).
            Submit(hetJob);
            Submit("-N2", "-o", "/dev/null", "--wrap", $"{report.Replace("sleep 120", "", StringComparison.Ordinal)} srun -N1 -n1 sh -c '{report}' : -N1 -n1 sh -c '{report}'");
            AssertSweepsKeepEveryCcache(reports, expected: 6);

            testbed.RunAs("root", "scancel", "-u", "alice");
            WaitForNoJobs();
            foreach (string file in Directory.GetFiles(reports, "ccache-of-*"))
                File.Delete(file);

            // A job array: each task runs under a job id of its own, titled [T.batch].
            Submit("--array=1-2", "-o", "/dev/null", "--wrap", report);
            AssertSweepsKeepEveryCcache(reports, expected: 2);
        }
        finally
        {
            testbed.RunAs("root", "scancel", "-u", "alice");
            WaitForNoJobs();
            Directory.Delete(reports, recursive: true);
            testbed.RestartWithNodes(1);
        }
    }

    private void Submit(params string[] arguments)
    {
        CommandResult sbatch = testbed.RunAs("alice", ["sbatch", .. arguments]).EnsureSuccess("sbatch");
        output.WriteLine($"job {SubmittedJob().Match(sbatch.Stdout).Groups[1].Value}: sbatch {string.Join(' ', arguments)}");
    }

    /// <summary>
    /// Once <paramref name="expected"/> steps report their ccache: each step's own sweep (two seconds in) and
    /// slurmnative sweep (as slurmd's Epilog runs it) leave every one of them, and remove a gone step's.
    /// </summary>
    private void AssertSweepsKeepEveryCcache(string reports, int expected)
    {
        DateTime deadline = DateTime.UtcNow.AddSeconds(60);
        string[] files;
        while ((files = Directory.GetFiles(reports, "ccache-of-*")).Length < expected || files.Any(f => new FileInfo(f).Length == 0))
        {
            if (DateTime.UtcNow > deadline)
                throw new Xunit.Sdk.XunitException($"{files.Length} of {expected} steps reported a ccache in 60 s; squeue:\n{testbed.RunAs("root", "squeue").Stdout}");
            Thread.Sleep(200);
        }
        var ccaches = files.ToDictionary(f => Path.GetFileName(f)["ccache-of-".Length..], f => File.ReadAllText(f).Trim().Replace("FILE:", "", StringComparison.Ordinal));
        foreach (var (step, ccache) in ccaches)
            output.WriteLine($"{step}: {ccache}");
        Assert.All(ccaches.Values, ccache => Assert.StartsWith($"/tmp/krb5cc_{testbed.UidOf("alice")}_slurm", ccache, StringComparison.Ordinal));
        output.WriteLine(string.Join('\n', SlurmstepdTitles()));

        // Every step's own sweep has run by now (it waits two seconds); then the Epilog's.
        Thread.Sleep(TimeSpan.FromSeconds(3));
        string leftover = $"/tmp/krb5cc_{testbed.UidOf("alice")}_slurm4000000001.0";
        File.WriteAllText(leftover, "x");
        Command.Run("chown", ["alice", leftover]).EnsureSuccess("chown");
        CommandResult sweep = Command.Run(CredentialDaemon.Cli, ["sweep", "--dir", "/tmp"]).EnsureSuccess("slurmnative sweep");
        output.WriteLine(sweep.Output);

        Assert.All(ccaches, pair => Assert.True(File.Exists(pair.Value), $"the ccache of running step {pair.Key}, {pair.Value}, was swept"));
        string[] removed = sweep.Stdout.Split('\n').Where(l => l.StartsWith("removed ", StringComparison.Ordinal)).Select(l => l["removed ".Length..].Trim()).ToArray();
        Assert.DoesNotContain(ccaches.Values, removed.Contains);
        Assert.False(File.Exists(leftover), $"the sweep kept {leftover}, whose step never ran:\n{sweep.Output}");
    }

    private static IEnumerable<string> SlurmstepdTitles() =>
        Directory.EnumerateDirectories("/proc")
            .Select(d => { try { return File.ReadAllText(Path.Combine(d, "cmdline")).Split('\0')[0]; } catch (IOException) { return ""; } })
            .Where(title => title.StartsWith("slurmstepd:", StringComparison.Ordinal));

    private void WaitForNoJobs()
    {
        DateTime deadline = DateTime.UtcNow.AddSeconds(60);
        while (testbed.RunAs("root", "squeue", "-h", "-u", "alice").Stdout.Trim().Length > 0 && DateTime.UtcNow < deadline)
            Thread.Sleep(300);
    }
}
