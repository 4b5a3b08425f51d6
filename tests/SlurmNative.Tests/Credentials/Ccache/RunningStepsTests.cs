using SlurmNative.Credentials.Ccache;
using SlurmNative.Tests.TestSupport;

namespace SlurmNative.Tests.Credentials.Ccache;

/// <summary>
/// Which steps the leftover sweep takes for running, from slurmstepd process titles as Slurm 22.05 writes
/// them (slurmstepd.c's _set_job_log_prefix through log_build_step_id_str; each form seen on the testbed).
/// </summary>
public sealed class RunningStepsTests : IDisposable
{
    private const uint JobUser = 4321;

    private readonly TempDirectory proc = new();
    private readonly TempDirectory ccaches = new();

    public void Dispose()
    {
        proc.Dispose();
        ccaches.Dispose();
    }

    [Theory]
    // A numbered step (srun), and Slurm's three named ones.
    [InlineData("slurmstepd: [12.0]", "12.0", "12.1 120.0 1.0 12.batch")]
    [InlineData("slurmstepd: [12.batch]", "12.batch", "12.0 12.extern")]
    [InlineData("slurmstepd: [12.extern]", "12.extern", "12.batch")]
    [InlineData("slurmstepd: [12.interactive]", "12.interactive", "12.0")]
    // Components of a heterogeneous step (srun A : B): each component's ccache is named JOB.STEP.
    [InlineData("slurmstepd: [12.0+0]", "12.0", "12.1")]
    [InlineData("slurmstepd: [12.3+1]", "12.3", "12.0 12.1")]
    [InlineData("slurmstepd: [4294967294.4294967294+4294967294]", "4294967294.4294967294", "4294967294.0")]
    // Titles cut at the end of slurmstepd's argv and environment keep every step they could begin.
    [InlineData("slurmstepd: [12", "12.0 123.batch 12.extern", "13.0 2.0")]
    [InlineData("slurmstepd: [12.", "12.0 12.batch", "120.0 13.0")]
    [InlineData("slurmstepd: [12.ba", "12.batch", "12.0 12.extern")]
    [InlineData("slurmstepd: [12.0+", "12.0", "12.1 12.00")]
    [InlineData("slurmstepd: [12.0+1", "12.0", "12.1")]
    // A job without a step id keeps all of that job's.
    [InlineData("slurmstepd: [12]", "12.0 12.batch 12.extern", "120.0 1.0")]
    public void A_title_keeps_its_own_steps_and_no_other(string title, string kept, string notKept)
    {
        var running = new RunningSteps();

        Assert.True(running.AddTitle(title));

        Assert.All(kept.Split(' '), step => Assert.True(running.Includes(step), $"'{title}' should keep {step}"));
        Assert.All(notKept.Split(' '), step => Assert.False(running.Includes(step), $"'{title}' should not keep {step}"));
        Assert.Empty(running.KeepAllReasons);
    }

    [Theory]
    [InlineData("/usr/sbin/slurmstepd")]            // started, not titled yet
    [InlineData("slurmstepd")]
    [InlineData("slurmd -D")]
    [InlineData("slurmstepd: [x.0]")]
    [InlineData("slurmstepd: [12.0] extra")]
    [InlineData("slurmstepd: [12.0+1]x")]
    [InlineData("slurmstepd: [12.0+x]")]
    [InlineData("slurmstepd: [12.]")]
    [InlineData("slurmstepd: 12.0")]
    [InlineData("")]
    public void A_title_that_names_no_step_adds_none(string title)
    {
        var running = new RunningSteps();

        Assert.False(running.AddTitle(title));

        Assert.False(running.Includes("12.0"));
    }

    [Fact]
    public void Every_slurmstepd_on_the_node_is_read_from_proc()
    {
        Process(100, "slurmstepd: [5.0+1]\0\0\0\0", "slurmstepd");
        Process(101, "slurmstepd: [5.0+0]\0\0", "slurmstepd");
        Process(102, "slurmstepd: [7.batch]\0", "slurmstepd");
        Process(103, "slurmstepd: [8.extern]", "slurmstepd");
        Process(104, "slurmstepd: [9.0]", "slurmstepd", uid: JobUser);    // a task child between its setuid and exec
        Process(105, "sleep\0100\0", "sleep", uid: JobUser);
        Process(106, "", "kworker/0:1");
        Process(107, "", "slurmstepd", state: 'Z');                                 // a killed slurmstepd nobody reaped yet
        Directory.CreateDirectory(Path.Combine(proc.Path, "self"));

        RunningSteps running = LeftoverSweep.RunningStepsOnThisNode(proc.Path);

        Assert.Empty(running.KeepAllReasons);
        Assert.All(new[] { "5.0", "7.batch", "8.extern", "9.0" }, step => Assert.True(running.Includes(step), step));
        Assert.All(new[] { "5.1", "6.0", "7.0", "100.0" }, step => Assert.False(running.Includes(step), step));
    }

    [Fact]
    public void A_slurmstepd_of_roots_whose_title_names_no_step_keeps_every_ccache()
    {
        Process(100, "slurmstepd: [5.0]", "slurmstepd");
        Process(101, "/usr/sbin/slurmstepd\0", "slurmstepd");

        RunningSteps running = LeftoverSweep.RunningStepsOnThisNode(proc.Path);

        Assert.Equal("slurmstepd process 101 is titled '/usr/sbin/slurmstepd', which names no job step", Assert.Single(running.KeepAllReasons));
        Assert.True(running.Includes("6.0"));
    }

    [Fact]
    public void A_users_process_calling_itself_slurmstepd_does_not_hold_the_sweep_up()
    {
        Process(100, "slurmstepd: keep everything\0", "slurmstepd", uid: JobUser);
        Process(101, "./slurmstepd\0", "slurmstepd", uid: JobUser);

        RunningSteps running = LeftoverSweep.RunningStepsOnThisNode(proc.Path);

        Assert.Empty(running.KeepAllReasons);
        Assert.False(running.Includes("6.0"));
    }

    [RootFact]
    public void The_sweep_keeps_both_ccaches_of_a_heterogeneous_step_and_removes_a_gone_steps()
    {
        // Two components of step 4.0 on one node: the second found the name taken and added a suffix.
        Process(100, "slurmstepd: [4.0+0]\0", "slurmstepd");
        Process(101, "slurmstepd: [4.0+1]\0", "slurmstepd");
        string first = ccaches.Write($"krb5cc_{JobUser}_slurm4.0", "x");
        string second = ccaches.Write($"krb5cc_{JobUser}_slurm4.0_ab12cd34", "x");
        string gone = ccaches.Write($"krb5cc_{JobUser}_slurm4.1", "x");
        Command.Run("chown", [$"{JobUser}", first, second, gone]).EnsureSuccess("chown");

        IReadOnlyList<string> removed = LeftoverSweep.Sweep(ccaches.Path, () => LeftoverSweep.RunningStepsOnThisNode(proc.Path));

        Assert.Equal([Path.GetFileName(gone)], removed);
        Assert.True(File.Exists(first));
        Assert.True(File.Exists(second));
    }

    /// <summary>A /proc/PID directory as the kernel shows it: cmdline (NUL-separated), comm, and status.</summary>
    private void Process(int pid, string cmdline, string comm, uint uid = 0, char state = 'S')
    {
        string directory = Path.Combine(proc.Path, pid.ToString(System.Globalization.CultureInfo.InvariantCulture));
        Directory.CreateDirectory(directory);
        File.WriteAllText(Path.Combine(directory, "cmdline"), cmdline);
        File.WriteAllText(Path.Combine(directory, "comm"), comm + "\n");
        File.WriteAllText(Path.Combine(directory, "status"),
            $"Name:\t{comm}\nUmask:\t0022\nState:\t{state} (state)\nTgid:\t{pid}\nPid:\t{pid}\nPPid:\t1\nUid:\t{uid}\t{uid}\t{uid}\t{uid}\nGid:\t0\t0\t0\t0\n");
    }
}
