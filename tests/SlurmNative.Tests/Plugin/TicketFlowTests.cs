using SlurmNative.Credentials.Ccache;
using SlurmNative.Credentials.Client;
using SlurmNative.Credentials.Kerberos;
using SlurmNative.Credentials.Protocol;
using SlurmNative.Plugin.Configuration;
using SlurmNative.Plugin.Node;
using SlurmNative.Plugin.Spank;
using SlurmNative.Plugin.Submit;
using SlurmNative.Tests.TestSupport;
using SlurmNative.Tests.Plugin.Fakes;
using static SlurmNative.Tests.Plugin.Fakes.FakeSpankSession;

namespace SlurmNative.Tests.Plugin;

/// <summary>
/// The submit side and the node side of the plugin with a fake daemon and real tickets
/// made by libkrb5 (no KDC), real files and real permission checks.
/// </summary>
public sealed class TicketFlowTests : IDisposable
{
    private readonly TempDirectory scratch = new();
    private readonly RecordingPluginLog log = new();

    // One ccache per step: what most of these tests look at. The job scope has tests of its own below.
    private PluginSettings NodeSettings => new(ForwardByDefault: true, CcacheDirectory: scratch.Path, PerStep: true);

    // ---- submit side ----

    [Fact]
    public void Srun_uploads_the_users_ticket_and_marks_the_job_so_inner_sruns_do_not_upload_again()
    {
        var backend = new FakeBackend { UserTicket = TestTickets.Make(TimeSpan.FromHours(10)) };
        var session = new FakeSpankSession(SpankContext.Local);

        Assert.Equal(0, new TicketUploader(backend, log).Run(session));
        Assert.Single(backend.Uploaded);
        Assert.StartsWith("alice@SLURMNATIVE.TEST until ", session.Environment[TicketUploader.ForwardedMarker]);

        var inner = new FakeSpankSession(SpankContext.Local);
        inner.Environment[TicketUploader.ForwardedMarker] = session.Environment[TicketUploader.ForwardedMarker];
        Assert.Equal(0, new TicketUploader(backend, log).Run(inner));
        Assert.Single(backend.Uploaded);

        var refresh = new FakeSpankSession(SpankContext.Local, ForwardingRequest.Yes);
        refresh.Environment[TicketUploader.ForwardedMarker] = "earlier";
        Assert.Equal(0, new TicketUploader(backend, log).Run(refresh));
        Assert.Equal(2, backend.Uploaded.Count);
    }

    [Fact]
    public void Srun_sends_the_ticket_while_it_gets_its_allocation_and_marks_the_job_only_once_the_daemon_acknowledged()
    {
        using var gate = new ManualResetEventSlim();
        var backend = new FakeBackend { UserTicket = TestTickets.Make(TimeSpan.FromHours(10)), UploadGate = gate };
        var session = new FakeSpankSession(SpankContext.Local);
        var uploader = new TicketUploader(backend, log);

        Assert.Equal(0, uploader.Begin(session)); // returns with the daemon still silent
        Assert.Empty(backend.Uploaded);
        Assert.False(session.Environment.ContainsKey(TicketUploader.ForwardedMarker));
        gate.Set();
        Assert.Equal(0, uploader.Complete(session));

        Assert.Single(backend.Uploaded);
        Assert.NotEqual(Environment.CurrentManagedThreadId, backend.UploadThread);
        Assert.StartsWith("alice@SLURMNATIVE.TEST until ", session.Environment[TicketUploader.ForwardedMarker]);
        Assert.Equal(0, uploader.Complete(session)); // nothing left to wait for
    }

    [Fact]
    public void The_plugin_starts_srun_upload_in_init_post_opt_and_waits_for_it_in_local_user_init()
    {
        using var gate = new ManualResetEventSlim();
        var backend = new FakeBackend { UserTicket = TestTickets.Make(TimeSpan.FromHours(10)), UploadGate = gate };
        var plugin = new SlurmNative.Plugin.ForwardingPlugin(log, _ => backend);
        var session = new FakeSpankSession(SpankContext.Local);

        Assert.Equal(0, plugin.Run(SpankHook.InitPostOpt, session, ["default=on"]));
        Assert.Empty(backend.Uploaded);
        gate.Set();
        Assert.Equal(0, plugin.Run(SpankHook.LocalUserInit, session, ["default=on"]));

        Assert.Single(backend.Uploaded);
        Assert.True(session.Environment.ContainsKey(TicketUploader.ForwardedMarker));
    }

    [Fact]
    public void A_failed_background_upload_fails_local_user_init_and_leaves_no_marker()
    {
        var backend = new FakeBackend { UserTicket = TestTickets.Make(TimeSpan.FromHours(10)), DaemonFailure = new DaemonUnreachableException("no credential daemon answered") };
        var session = new FakeSpankSession(SpankContext.Local);
        var uploader = new TicketUploader(backend, log);

        Assert.Equal(0, uploader.Begin(session));
        Assert.Equal(-1, uploader.Complete(session));

        Assert.Contains("user: cannot forward the Kerberos ticket of alice@SLURMNATIVE.TEST to the job: no credential daemon answered", log.All);
        Assert.False(session.Environment.ContainsKey(TicketUploader.ForwardedMarker));
    }

    [Fact]
    public void Done_uploads_nothing()
    {
        // System users below min_uid never reach the uploader: ForwardingPluginTests.Users_below_min_uid_cost_no_backend_and_no_announcement.
        var backend = new FakeBackend { UserTicket = TestTickets.Make(TimeSpan.FromHours(10)) };
        Assert.Equal(0, new TicketUploader(backend, log).Run(new FakeSpankSession(SpankContext.Allocator, ForwardingRequest.Done)));
        Assert.Empty(backend.Uploaded);
    }

    [Fact]
    public void Without_a_ticket_the_hook_fails_with_one_line_that_says_run_kinit()
    {
        var backend = new FakeBackend();
        Assert.Equal(-1, new TicketUploader(backend, log).Run(new FakeSpankSession(SpankContext.Local)));
        string line = Assert.Single(log.Lines);
        Assert.StartsWith("user: cannot forward a Kerberos ticket to the job:", line);
        Assert.Contains("run kinit", line);
        Assert.DoesNotContain('\n', line);
    }

    [Fact]
    public void An_unreachable_daemon_fails_the_hook_and_says_so()
    {
        var backend = new FakeBackend { UserTicket = TestTickets.Make(TimeSpan.FromHours(10)), DaemonFailure = new DaemonUnreachableException("no credential daemon answered") };
        var session = new FakeSpankSession(SpankContext.Local);
        Assert.Equal(-1, new TicketUploader(backend, log).Run(session));
        Assert.Contains("no credential daemon answered", log.All);
        Assert.False(session.Environment.ContainsKey(TicketUploader.ForwardedMarker));
    }

    // ---- node side ----

    [RootFact]
    public void The_step_ccache_is_the_job_users_mode_0600_readable_by_libkrb5_and_gone_at_exit()
    {
        byte[] ticket = TestTickets.Make(TimeSpan.FromHours(10), TimeSpan.FromDays(7));
        var backend = new FakeBackend { Stored = () => ticket };
        var session = new FakeSpankSession(SpankContext.Remote);
        var step = new NodeTicketInstaller(backend, log);

        Assert.Equal(0, step.Install(session, NodeSettings));
        string path = Path.Combine(scratch.Path, $"krb5cc_{JobUser}_slurm77.3");
        Assert.Equal(path, step.CcachePath);
        Assert.Equal("FILE:" + path, session.Environment["KRB5CCNAME"]);
        Assert.Equal(0, Interop.Libc.LStat(path, out Interop.Libc.Statx status));
        Assert.Equal((JobUser, JobGroup, 0x180u, Interop.Libc.S_IFREG), (status.stx_uid, status.stx_gid, status.Permissions, status.FileType));
        Assert.Equal(ticket, KerberosTickets.ReadTicketGrantingTicket("FILE:" + path));

        Assert.Equal(0, step.Remove(NodeSettings));
        Assert.False(File.Exists(path));
    }

    [RootFact]
    public void A_symlink_or_file_planted_at_the_predictable_name_is_neither_followed_nor_a_blocker()
    {
        string predictable = Path.Combine(scratch.Path, $"krb5cc_{JobUser}_slurm77.3");
        string target = scratch.Write("attackers-file", "mine");
        File.CreateSymbolicLink(predictable, target);
        var step = new NodeTicketInstaller(new FakeBackend { Stored = () => TestTickets.Make(TimeSpan.FromHours(1)) }, log);

        Assert.Equal(0, step.Install(new FakeSpankSession(SpankContext.Remote), NodeSettings));

        Assert.NotEqual(predictable, step.CcachePath);
        Assert.StartsWith(predictable + "_", step.CcachePath);
        Assert.Equal("mine", File.ReadAllText(target));
        Assert.NotNull(new FileInfo(predictable).LinkTarget);
        step.Remove(NodeSettings);
    }

    [Fact]
    public void A_directory_others_can_write_without_the_sticky_bit_is_refused_with_the_fix()
    {
        File.SetUnixFileMode(scratch.Path, (UnixFileMode)0b111_111_111);
        var step = new NodeTicketInstaller(new FakeBackend { Stored = () => TestTickets.Make(TimeSpan.FromHours(1)) }, log);

        Assert.Equal(-1, step.Install(new FakeSpankSession(SpankContext.Remote), NodeSettings));
        Assert.Contains("lets other users replace files in it", log.All);
        Assert.Empty(Directory.GetFiles(scratch.Path));
    }

    [RootFact]
    public void Slurmstepd_fetches_the_ticket_in_init_post_opt_beside_its_own_setup_and_installs_it_in_user_init()
    {
        byte[] ticket = TestTickets.Make(TimeSpan.FromHours(10));
        using var gate = new ManualResetEventSlim();
        var backend = new FakeBackend { Stored = () => ticket, FetchGate = gate };
        var plugin = new SlurmNative.Plugin.ForwardingPlugin(log, _ => backend);
        var session = new FakeSpankSession(SpankContext.Remote);
        string[] arguments = ["default=on", $"ccache_dir={scratch.Path}", $"state_dir={scratch.Path}/state"];

        // init_post_opt returns while the daemon has not answered yet.
        Assert.Equal(0, plugin.Run(SpankHook.InitPostOpt, session, arguments));
        Assert.True(SpinWait.SpinUntil(() => { lock (backend.Fetches) return backend.Fetches.Count == 1; }, TimeSpan.FromSeconds(10)));
        Assert.Empty(Directory.GetFiles(scratch.Path));
        gate.Set();
        Assert.Equal(0, plugin.Run(SpankHook.UserInit, session, arguments));

        // Signed on the hook's thread (as root, in slurmstepd), exchanged on another.
        Assert.Equal([(JobUser, Environment.CurrentManagedThreadId)], backend.SignedEarly);
        var fetch = Assert.Single(backend.Fetches);
        Assert.Equal(JobUser, fetch.Uid);
        Assert.NotEqual(Environment.CurrentManagedThreadId, fetch.Thread);
        Assert.Equal(ticket, KerberosTickets.ReadTicketGrantingTicket(session.Environment["KRB5CCNAME"]));
        Assert.Equal(0, plugin.Run(SpankHook.Exit, session, arguments));
        Assert.Empty(Directory.GetFiles(scratch.Path));
        Assert.Empty(Directory.GetFiles(Path.Combine(scratch.Path, "state")));
    }

    [RootFact]
    public void When_the_early_fetch_is_refused_user_init_asks_again_as_the_owner()
    {
        byte[] ticket = TestTickets.Make(TimeSpan.FromHours(10));
        var backend = new FakeBackend { Stored = () => ticket, FetchFailures = new([new DaemonException(ReplyStatus.Forbidden, "root may not fetch here")]) };
        var session = new FakeSpankSession(SpankContext.Remote);
        var step = new NodeTicketInstaller(backend, log);

        step.Prefetch(session, NodeSettings);
        Assert.Equal(0, step.Install(session, NodeSettings));

        Assert.Equal(2, backend.Fetches.Count);
        Assert.Equal(ticket, KerberosTickets.ReadTicketGrantingTicket("FILE:" + step.CcachePath));
        step.Remove(NodeSettings);
    }

    [Theory]
    [InlineData(true, "no credential daemon answered")] // asking again would wait a second timeout
    [InlineData(false, "nothing stored")]               // the owner would get the same answer
    public void An_early_failure_other_than_a_refusal_is_final(bool unreachable, string reported)
    {
        var backend = new FakeBackend { DaemonFailure = unreachable ? new DaemonUnreachableException("no credential daemon answered") : null };
        var session = new FakeSpankSession(SpankContext.Remote);
        var step = new NodeTicketInstaller(backend, log);

        step.Prefetch(session, NodeSettings);
        Assert.Equal(-1, step.Install(session, NodeSettings));

        Assert.Single(backend.Fetches);
        Assert.Contains(reported, log.All);
        Assert.Empty(Directory.GetFiles(scratch.Path));
    }

    [Fact]
    public void With_one_ccache_per_step_the_extern_step_neither_reads_the_configuration_nor_fetches_early()
    {
        int backendsBuilt = 0;
        var backend = new FakeBackend { Stored = () => TestTickets.Make(TimeSpan.FromHours(1)) };
        var plugin = new SlurmNative.Plugin.ForwardingPlugin(log, _ => { backendsBuilt++; return backend; });

        Assert.Equal(0, plugin.Run(SpankHook.InitPostOpt, new FakeSpankSession(SpankContext.Remote, step: Interop.Spank.SLURM_EXTERN_CONT), ["default=on", "scope=step"]));

        Assert.Equal(0, backendsBuilt);
        Assert.Empty(backend.SignedEarly);
    }

    [Fact]
    public void No_stored_ticket_fails_the_step_with_the_daemons_reason()
    {
        var step = new NodeTicketInstaller(new FakeBackend(), log);
        Assert.Equal(-1, step.Install(new FakeSpankSession(SpankContext.Remote), NodeSettings));
        Assert.Contains("nothing stored", log.All);
        Assert.Empty(Directory.GetFiles(scratch.Path));
    }

    [RootFact]
    public void The_sweep_removes_ccaches_of_steps_that_are_gone_and_nothing_else()
    {
        string gone = scratch.Write($"krb5cc_{JobUser}_slurm12.0", "x");
        string running = scratch.Write($"krb5cc_{JobUser}_slurm13.batch", "x");
        string halfReplaced = scratch.Write($".krb5cc_{JobUser}_slurm12.0.new_abcdefgh", "x");
        string wrongOwner = scratch.Write($"krb5cc_{JobUser}_slurm14.0", "x");
        string unrelated = scratch.Write($"krb5cc_{JobUser}", "x");
        foreach (string path in new[] { gone, running, halfReplaced })
            File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        Command.Run("chown", [$"{JobUser}", gone, running, halfReplaced]).EnsureSuccess("chown");

        var removed = LeftoverSweep.Sweep(scratch.Path, () => RunningSteps.Of("13.batch"));

        Assert.Equal([Path.GetFileName(halfReplaced), Path.GetFileName(gone)], removed.Order());
        Assert.True(File.Exists(running));
        Assert.True(File.Exists(wrongOwner)); // root's, not uid 4321's: not ours to judge
        Assert.True(File.Exists(unrelated));
    }

    [Fact]
    public void Without_candidates_the_sweep_does_not_look_at_running_steps()
    {
        scratch.Write($"krb5cc_{JobUser}", "x");
        bool asked = false;
        Assert.Empty(LeftoverSweep.Sweep(scratch.Path, () => { asked = true; return RunningSteps.Of(); }));
        Assert.False(asked);
    }

    // ---- renewal in the step ----

    [RootFact]
    public void The_renewer_takes_a_later_ticket_from_the_daemon_and_replaces_the_file_atomically()
    {
        byte[] first = TestTickets.Make(TimeSpan.FromHours(1), TimeSpan.FromDays(1));
        byte[] later = TestTickets.Make(TimeSpan.FromHours(5), TimeSpan.FromDays(1));
        var backend = new FakeBackend { Stored = () => first };
        var step = new NodeTicketInstaller(backend, log);
        Assert.Equal(0, step.Install(new FakeSpankSession(SpankContext.Remote), NodeSettings));
        // The renewer's own thread sleeps until half an hour before the end; refresh now, by hand.
        backend.Stored = () => later;

        Assert.True(step.Renewer!.TryRefresh());

        Assert.Equal(later, KerberosTickets.ReadTicketGrantingTicket("FILE:" + step.CcachePath));
        Assert.Equal(0, backend.KdcCalls);
        Assert.Single(Directory.GetFiles(scratch.Path)); // no temporary file left beside it
        step.Remove(NodeSettings);
    }

    [RootFact]
    public void With_the_daemon_down_the_renewer_renews_at_the_kdc()
    {
        byte[] first = TestTickets.Make(TimeSpan.FromHours(1), TimeSpan.FromDays(1));
        byte[] renewed = TestTickets.Make(TimeSpan.FromHours(2), TimeSpan.FromDays(1));
        var backend = new FakeBackend { Stored = () => first, Kdc = _ => renewed };
        var step = new NodeTicketInstaller(backend, log);
        Assert.Equal(0, step.Install(new FakeSpankSession(SpankContext.Remote), NodeSettings));
        // The renewer's own thread sleeps until half an hour before the end; refresh now, by hand.
        backend.DaemonFailure = new DaemonUnreachableException("down");

        Assert.True(step.Renewer!.TryRefresh());

        Assert.Equal(1, backend.KdcCalls);
        Assert.Equal(renewed, KerberosTickets.ReadTicketGrantingTicket("FILE:" + step.CcachePath));
        step.Remove(NodeSettings);
    }

    [RootFact]
    public void The_renewer_wakes_before_the_end_by_refresh_before_or_half_the_life_of_short_tickets()
    {
        var backend = new FakeBackend();
        using var ccache = NodeCcache.Create(scratch.Path, "krb5cc_wait", JobUser, JobGroup, TestTickets.Make(TimeSpan.FromHours(10)));

        var longTicket = new StepTicketRenewer(ccache, 77, TestTickets.Make(TimeSpan.FromHours(10)), backend, TimeSpan.FromMinutes(30), log);
        Assert.InRange(longTicket.NextWait(), TimeSpan.FromMinutes(9 * 60 + 29), TimeSpan.FromMinutes(9 * 60 + 30));

        var shortTicket = new StepTicketRenewer(ccache, 77, TestTickets.Make(TimeSpan.FromSeconds(40)), backend, TimeSpan.FromMinutes(30), log);
        Assert.InRange(shortTicket.NextWait(), TimeSpan.FromSeconds(18), TimeSpan.FromSeconds(20));
    }

    [RootFact]
    public void A_newer_upload_replaces_the_jobs_ticket_at_the_next_check_and_an_older_or_equal_one_does_not()
    {
        byte[] first = TestTickets.Make(TimeSpan.FromHours(10), startedAgo: TimeSpan.FromMinutes(5));
        byte[] stored = first;
        var backend = new FakeBackend { Stored = () => stored };
        using var ccache = NodeCcache.Create(scratch.Path, "krb5cc_upload", JobUser, JobGroup, first);
        var renewer = new StepTicketRenewer(ccache, 77, first, backend, TimeSpan.FromMinutes(30), log, checkEvery: TimeSpan.FromMinutes(5));

        Assert.False(renewer.TryTakeNewerUpload(), "the daemon holds the same ticket");
        stored = TestTickets.Make(TimeSpan.FromHours(2), startedAgo: TimeSpan.FromMinutes(10)); // older
        Assert.False(renewer.TryTakeNewerUpload());
        Assert.Equal(first, ccache.ReadTicket(DateTimeOffset.UtcNow));

        // The user ran kinit again and uploaded: a newer ticket, even one that ends sooner.
        byte[] newer = TestTickets.Make(TimeSpan.FromHours(2));
        stored = newer;
        Assert.True(renewer.TryTakeNewerUpload());
        Assert.Equal(newer, ccache.ReadTicket(DateTimeOffset.UtcNow));
        Assert.Equal(newer, KerberosTickets.ReadTicketGrantingTicket("FILE:" + ccache.FullPath));
    }

    [RootFact]
    public void A_job_checks_for_a_newer_upload_every_refresh_check_and_five_times_as_often_past_half_its_ticket()
    {
        var backend = new FakeBackend();
        using var ccache = NodeCcache.Create(scratch.Path, "krb5cc_check", JobUser, JobGroup, TestTickets.Make(TimeSpan.FromHours(10)));

        var young = new StepTicketRenewer(ccache, 77, TestTickets.Make(TimeSpan.FromHours(10)), backend, TimeSpan.FromMinutes(30), log, checkEvery: TimeSpan.FromMinutes(5));
        Assert.InRange(young.NextCheck()!.Value, TimeSpan.FromMinutes(4.9), TimeSpan.FromMinutes(5));

        var old = new StepTicketRenewer(ccache, 77, TestTickets.Make(TimeSpan.FromHours(10), startedAgo: TimeSpan.FromHours(6)), backend, TimeSpan.FromMinutes(30), log, checkEvery: TimeSpan.FromMinutes(5));
        Assert.InRange(old.NextCheck()!.Value, TimeSpan.FromSeconds(59), TimeSpan.FromSeconds(60));

        Assert.Null(new StepTicketRenewer(ccache, 77, TestTickets.Make(TimeSpan.FromHours(10)), backend, TimeSpan.FromMinutes(30), log).NextCheck());
    }

    /// <summary>A clock a little behind the one the thread's waits run on: every wait seems to end early.</summary>
    private sealed class LaggingClock(TimeSpan lag) : TimeProvider
    {
        public override DateTimeOffset GetUtcNow() => base.GetUtcNow() - lag;
    }

    [RootFact]
    public void A_wait_that_ends_a_little_early_still_does_what_it_waited_for_and_asks_the_daemon_nothing()
    {
        byte[] ticket = TestTickets.Make(TimeSpan.FromHours(10));
        var backend = new FakeBackend { Stored = () => ticket };
        using var ccache = NodeCcache.Create(scratch.Path, "krb5cc_early", JobUser, JobGroup, ticket);
        var renewer = new StepTicketRenewer(ccache, 77, ticket, backend, TimeSpan.FromMinutes(30), log, new LaggingClock(TimeSpan.FromMilliseconds(100)), checkEvery: TimeSpan.FromMinutes(5));
        using var ran = new ManualResetEventSlim();
        renewer.RunOnceAfter(TimeSpan.FromMilliseconds(200), ran.Set);

        renewer.Start();
        Assert.True(ran.Wait(TimeSpan.FromSeconds(10)), "the one-off job never ran");
        Thread.Sleep(300);
        renewer.Stop(TimeSpan.FromSeconds(5));

        Assert.Empty(backend.Fetches);
    }

    [RootFact]
    public void The_renewal_thread_runs_its_one_off_job_once_after_the_delay_and_keeps_renewing()
    {
        byte[] ticket = TestTickets.Make(TimeSpan.FromHours(10));
        var backend = new FakeBackend { Stored = () => ticket };
        using var ccache = NodeCcache.Create(scratch.Path, "krb5cc_errand", JobUser, JobGroup, ticket);
        var renewer = new StepTicketRenewer(ccache, 77, ticket, backend, TimeSpan.FromMinutes(30), log);
        int runs = 0;
        using var ran = new ManualResetEventSlim();
        var clock = System.Diagnostics.Stopwatch.StartNew();
        renewer.RunOnceAfter(TimeSpan.FromMilliseconds(200), () => { Interlocked.Increment(ref runs); ran.Set(); });

        renewer.Start();

        Assert.True(ran.Wait(TimeSpan.FromSeconds(10)), "the job never ran");
        Assert.True(clock.Elapsed >= TimeSpan.FromMilliseconds(190), $"the job ran after {clock.Elapsed}, before its delay");
        Thread.Sleep(300);
        renewer.Stop(TimeSpan.FromSeconds(5));
        Assert.Equal(1, runs);
        Assert.Equal(0, backend.KdcCalls); // a ten-hour ticket is not due: the wake-up was for the job only
    }

    [RootFact]
    public void A_step_that_ends_before_the_delay_skips_the_one_off_job()
    {
        byte[] ticket = TestTickets.Make(TimeSpan.FromHours(10));
        using var ccache = NodeCcache.Create(scratch.Path, "krb5cc_errand", JobUser, JobGroup, ticket);
        var renewer = new StepTicketRenewer(ccache, 77, ticket, new FakeBackend { Stored = () => ticket }, TimeSpan.FromMinutes(30), log);
        bool ran = false;
        renewer.RunOnceAfter(TimeSpan.FromMinutes(5), () => ran = true);

        renewer.Start();
        renewer.Stop(TimeSpan.FromSeconds(5));

        Assert.False(ran);
    }

    [RootFact]
    public void Stopping_the_renewer_is_immediate_not_a_poll()
    {
        byte[] ticket = TestTickets.Make(TimeSpan.FromHours(10));
        var step = new NodeTicketInstaller(new FakeBackend { Stored = () => ticket }, log);
        Assert.Equal(0, step.Install(new FakeSpankSession(SpankContext.Remote), NodeSettings));
        var clock = System.Diagnostics.Stopwatch.StartNew();

        step.Remove(NodeSettings);

        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(2), $"stopping took {clock.Elapsed}");
    }

    public void Dispose() => scratch.Dispose();
}
