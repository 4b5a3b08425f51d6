using SlurmNative.Credentials.Ccache;
using SlurmNative.Plugin.Configuration;
using SlurmNative.Plugin.Node;
using SlurmNative.Plugin.Spank;
using SlurmNative.Tests.TestSupport;
using SlurmNative.Tests.Plugin.Fakes;

namespace SlurmNative.Tests.Plugin.Node;

/// <summary>
/// One ccache per job per node (scope=job): several steps of one job, each its own NodeTicketInstaller
/// as each would be its own slurmstepd, sharing real files, real locks and real tickets.
/// </summary>
public sealed class JobScopeTests : IDisposable
{
    private readonly TempDirectory scratch = new();
    private readonly RecordingPluginLog log = new();
    private readonly PluginSettings settings;

    public JobScopeTests()
    {
        settings = new PluginSettings(ForwardByDefault: true, CcacheDirectory: scratch.Path, StateDirectory: Path.Combine(scratch.Path, "state"));
    }

    public void Dispose() => scratch.Dispose();

    private string JobCcache => Path.Combine(scratch.Path, "krb5cc_4321_slurm77");

    private static FakeSpankSession Step(uint step) => new(SpankContext.Remote, step: step);

    /// <summary>init_post_opt and user_init of one step, as slurmstepd runs them.</summary>
    private (NodeTicketInstaller Node, FakeSpankSession Session) Start(FakeBackend backend, uint step)
    {
        var node = new NodeTicketInstaller(backend, log);
        FakeSpankSession session = Step(step);
        Assert.Equal(0, node.Prefetch(session, settings));
        Assert.Equal(0, node.Install(session, settings));
        return (node, session);
    }

    private string[] StateFiles => Directory.Exists(settings.StateDirectory) ? Directory.GetFiles(settings.StateDirectory) : [];

    [RootFact]
    public void The_first_step_installs_the_jobs_ccache_later_steps_use_it_without_fetching_and_the_last_removes_it()
    {
        var backend = new FakeBackend { Stored = () => TestTickets.Make(TimeSpan.FromHours(10)) };

        var (first, firstSession) = Start(backend, step: 0);
        var (second, secondSession) = Start(backend, step: 1);

        Assert.Equal("FILE:" + JobCcache, firstSession.Environment["KRB5CCNAME"]);
        Assert.Equal("FILE:" + JobCcache, secondSession.Environment["KRB5CCNAME"]);
        Assert.Single(backend.Fetches);
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(JobCcache));

        first.Remove(settings);
        Assert.True(File.Exists(JobCcache), "the second step still uses the job's ccache");
        second.Remove(settings);
        Assert.False(File.Exists(JobCcache));
        Assert.Empty(StateFiles);
    }

    [RootFact]
    public async Task Two_steps_starting_together_make_one_ccache_with_one_fetch()
    {
        using var gate = new ManualResetEventSlim();
        var backend = new FakeBackend { Stored = () => TestTickets.Make(TimeSpan.FromHours(10)), FetchGate = gate };
        var first = new NodeTicketInstaller(backend, log);
        var second = new NodeTicketInstaller(backend, log);
        Assert.Equal(0, first.Prefetch(Step(0), settings)); // installs: holds the job's lock until user_init

        Task<int> joining = Task.Run(() => second.Prefetch(Step(1), settings));
        Assert.NotSame(joining, await Task.WhenAny(joining, Task.Delay(300)));
        gate.Set();
        Assert.Equal(0, first.Install(Step(0), settings));
        Assert.Equal(0, await joining);
        Assert.Equal(0, second.Install(Step(1), settings));

        Assert.Single(backend.Fetches);
        Assert.Equal(JobCcache, first.CcachePath);
        Assert.Equal(JobCcache, second.CcachePath);
        first.Remove(settings);
        second.Remove(settings);
        Assert.Empty(Directory.GetFiles(scratch.Path));
    }

    [RootFact]
    public void A_step_killed_before_its_exit_hook_does_not_keep_the_ccache_alive()
    {
        var backend = new FakeBackend { Stored = () => TestTickets.Make(TimeSpan.FromHours(10)) };
        var (survivor, _) = Start(backend, step: 0);
        // Another step joined, then died: the kernel drops its locks, which is all that Dispose does here.
        JobCcacheState killed = JobCcacheState.Join(settings.StateDirectory, 77, TimeSpan.FromSeconds(5));
        killed.Unlock();
        killed.Dispose();

        survivor.Remove(settings);

        Assert.False(File.Exists(JobCcache));
        Assert.Empty(StateFiles);
    }

    [RootFact]
    public void The_extern_step_installs_in_init_post_opt_steps_use_its_ccache_and_it_removes_it_at_the_jobs_end()
    {
        var backend = new FakeBackend { Stored = () => TestTickets.Make(TimeSpan.FromHours(10)) };
        var externStep = new NodeTicketInstaller(backend, log);

        Assert.Equal(0, externStep.Prefetch(Step(Interop.Spank.SLURM_EXTERN_CONT), settings));
        Assert.True(File.Exists(JobCcache));
        using (JobCcacheState state = JobCcacheState.Join(settings.StateDirectory, 77, TimeSpan.FromSeconds(5)))
        {
            Assert.Equal(new JobCcacheRecord(FakeSpankSession.JobUser, Environment.ProcessId, "krb5cc_4321_slurm77"), state.Read());
            state.Unlock();
        }
        Assert.NotNull(externStep.Renewer);

        var (step, session) = Start(backend, step: 0);
        Assert.Equal("FILE:" + JobCcache, session.Environment["KRB5CCNAME"]);
        step.Remove(settings);
        Assert.True(File.Exists(JobCcache), "the extern step lives as long as the job");

        externStep.Remove(settings);
        Assert.False(File.Exists(JobCcache));
        Assert.Single(backend.Fetches);
    }

    [RootFact]
    public void An_extern_step_that_finds_a_step_already_installed_takes_the_ticket_over()
    {
        var backend = new FakeBackend { Stored = () => TestTickets.Make(TimeSpan.FromHours(10)) };
        var (step, _) = Start(backend, step: 0);
        var externStep = new NodeTicketInstaller(backend, log);

        Assert.Equal(0, externStep.Prefetch(Step(Interop.Spank.SLURM_EXTERN_CONT), settings));

        using (JobCcacheState state = JobCcacheState.Join(settings.StateDirectory, 77, TimeSpan.FromSeconds(5)))
        {
            Assert.Equal(Environment.ProcessId, state.Read()!.ExternPid);
            state.Unlock();
        }
        Assert.Single(backend.Fetches);
        step.Remove(settings);
        externStep.Remove(settings);
        Assert.False(File.Exists(JobCcache));
    }

    [RootFact]
    public void A_refresh_by_one_step_is_taken_up_by_the_others_without_a_fetch_of_their_own()
    {
        var tickets = new Queue<byte[]>([TestTickets.Make(TimeSpan.FromHours(1)), TestTickets.Make(TimeSpan.FromHours(5))]);
        var backend = new FakeBackend { Stored = () => tickets.Count > 1 ? tickets.Dequeue() : tickets.Peek() };
        var (first, _) = Start(backend, step: 0);
        var (second, _) = Start(backend, step: 1);
        Assert.Single(backend.Fetches);

        Assert.True(first.Renewer!.TryRefresh());
        Assert.Equal(2, backend.Fetches.Count);
        Assert.True(second.Renewer!.TryRefresh(), "the second step takes the file the first refreshed");
        Assert.Equal(2, backend.Fetches.Count);
        Assert.Contains("was refreshed by another step of the job", log.All);

        first.Remove(settings);
        second.Remove(settings);
    }

    [Fact]
    public void A_state_directory_other_users_may_write_is_refused_with_the_fix()
    {
        Directory.CreateDirectory(settings.StateDirectory);
        File.SetUnixFileMode(settings.StateDirectory, (UnixFileMode)0b111_111_111);
        var node = new NodeTicketInstaller(new FakeBackend { Stored = () => TestTickets.Make(TimeSpan.FromHours(10)) }, log);

        Assert.Equal(-1, node.Prefetch(Step(0), settings));

        Assert.Contains($"state directory {settings.StateDirectory} must belong to root and be writable by root alone", log.All);
        Assert.Empty(Directory.GetFiles(scratch.Path));
    }

    [RootFact]
    public void The_sweep_removes_the_records_of_jobs_gone_from_the_node_and_keeps_those_a_step_has_joined()
    {
        JobCcacheState gone = JobCcacheState.Join(settings.StateDirectory, 41, TimeSpan.FromSeconds(5));
        gone.Dispose();
        using JobCcacheState joined = JobCcacheState.Join(settings.StateDirectory, 42, TimeSpan.FromSeconds(5));
        joined.Unlock();

        IReadOnlyList<string> removed = LeftoverSweep.SweepJobStates(settings.StateDirectory, () => RunningSteps.Of());

        Assert.Equal(["job-41.lock", "job-41.record", "job-41.steps"], removed.Order().ToArray());
        Assert.Equal(["job-42.lock", "job-42.record", "job-42.steps"], StateFiles.Select(f => Path.GetFileName(f)).Order().ToArray());
    }
}
