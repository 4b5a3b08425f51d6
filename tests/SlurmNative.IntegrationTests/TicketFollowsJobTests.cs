using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text.RegularExpressions;
using SlurmNative.Tests.TestSupport;
using Xunit.Abstractions;

namespace SlurmNative.IntegrationTests;

/// <summary>
/// The whole flow in real Slurm: srun/sbatch upload the user's ticket to a real
/// slurmnatived, slurmstepd installs it for the job and keeps it valid, and removes it.
/// </summary>
[Collection(TestbedCollection.Name)]
public sealed partial class TicketFollowsJobTests(Testbed testbed, ITestOutputHelper output)
{
    private const string Realm = "SLURMNATIVE.TEST";

    [GeneratedRegex(@"Submitted batch job (\d+)")]
    private static partial Regex SubmittedJob();

    private CredentialDaemon StartDaemon(string name, string extra = "") =>
        new(testbed, name, "renew_threshold = 15s\nrenew_interval = 1s\n" + extra);

    private void UsePlugin(CredentialDaemon daemon, string mode = "required", string extra = "refresh_before=10s") =>
        testbed.UsePlugstackLine($"{mode} {testbed.PluginPath} default=on config={daemon.ConfigPath} {extra}");

    /// <summary>The ccaches of a job on this node: the job's shared one and any step's, with suffixes and temporary files.</summary>
    private string[] JobCcaches(string user, string job)
    {
        string name = $"krb5cc_{testbed.UidOf(user)}_slurm{job}";
        return Directory.GetFiles("/tmp", "*" + name + "*")
            .Where(path => Path.GetFileName(path).TrimStart('.') is var file && file.StartsWith(name, StringComparison.Ordinal)
                && (file.Length == name.Length || file[name.Length] is '.' or '_'))
            .ToArray();
    }

    /// <summary>The plugin's records of a job on this node (scope=job), in its state directory.</summary>
    private static string[] JobRecords(string job) =>
        Directory.Exists("/run/slurmnative") ? Directory.GetFiles("/run/slurmnative", $"job-{job}.*") : [];

    /// <summary>
    /// The job's ccaches and records still on this node once <paramref name="timeout"/> has passed
    /// or none are left. The extern step removes them as it ends, which from Slurm 25.05 can be
    /// after squeue has stopped listing the job.
    /// </summary>
    private string[] LeftBehind(string user, string job, TimeSpan timeout)
    {
        DateTime deadline = DateTime.UtcNow + timeout;
        string[] left;
        while ((left = [.. JobCcaches(user, job), .. JobRecords(job)]).Length > 0 && DateTime.UtcNow < deadline)
            Thread.Sleep(200);
        return left;
    }

    private static string OutputFile() => $"/tmp/slurmnative-job-{Guid.NewGuid():N}.out";

    private string ReadAndDelete(string path)
    {
        string text = File.Exists(path) ? File.ReadAllText(path) : "(no output file)";
        File.Delete(path);
        output.WriteLine(text);
        return text;
    }

    private void WaitUntilGone(string job, TimeSpan timeout)
    {
        DateTime deadline = DateTime.UtcNow + timeout;
        while (DateTime.UtcNow < deadline)
        {
            if (testbed.RunAs("root", "squeue", "-h", "-j", job).Stdout.Trim().Length == 0)
                return;
            Thread.Sleep(300);
        }
        throw new Xunit.Sdk.XunitException($"job {job} still in the queue after {timeout}");
    }

    /// <summary>A batch job that sleeps, once it runs and its step's ccache exists (or 20 s passed).</summary>
    private string StartSleepingBatchJob(string user)
    {
        string job = SubmittedJob().Match(testbed.RunAs(user, "sbatch", "-o", "/dev/null", "--wrap", "sleep 300").EnsureSuccess("sbatch").Stdout).Groups[1].Value;
        WaitUntilRunning(job);
        DateTime deadline = DateTime.UtcNow.AddSeconds(20);
        while (JobCcaches(user, job).Length == 0 && DateTime.UtcNow < deadline)
            Thread.Sleep(200);
        return job;
    }

    private void WaitUntilRunning(string job)
    {
        DateTime deadline = DateTime.UtcNow.AddSeconds(30);
        while (testbed.RunAs("root", "squeue", "-h", "-o", "%T", "-j", job).Stdout.Trim() != "RUNNING")
        {
            if (DateTime.UtcNow > deadline)
                throw new Xunit.Sdk.XunitException($"job {job} did not start: {testbed.RunAs("root", "scontrol", "show", "job", job).Stdout}");
            Thread.Sleep(300);
        }
    }

    [Fact]
    public void Srun_klist_shows_the_forwarded_ticket_and_kvno_gets_a_service_ticket_with_it()
    {
        using var daemon = StartDaemon("srun");
        UsePlugin(daemon);
        testbed.Kinit("alice");
        uint uid = testbed.UidOf("alice");

        CommandResult srun = testbed.RunAs("alice", "srun", "-N1", "sh", "-c",
            "echo job=$SLURM_JOB_ID; echo cache=$KRB5CCNAME; stat -c 'owner=%U mode=%a type=%F' \"${KRB5CCNAME#FILE:}\"; klist && kvno host/localhost@" + Realm);
        output.WriteLine(srun.Output);

        Assert.Equal(0, srun.ExitCode);
        string job = Regex.Match(srun.Stdout, @"job=(\d+)").Groups[1].Value;
        Assert.Contains($"cache=FILE:/tmp/krb5cc_{uid}_slurm{job}\n", srun.Stdout);
        Assert.Contains("owner=alice mode=600 type=regular file", srun.Stdout);
        Assert.Contains($"Default principal: alice@{Realm}", srun.Stdout);
        Assert.Contains($"krbtgt/{Realm}@{Realm}", srun.Stdout);
        Assert.Matches($@"host/localhost@{Realm}: kvno = \d+", srun.Stdout);
        Assert.Empty(JobCcaches("alice", job));
    }

    [Theory]
    [InlineData("KEYRING:persistent:{uid}")]
    [InlineData("DIR:/tmp/slurmnative-dir-ccache-{uid}")]
    [InlineData("KCM:")] // the testbed's Heimdal kcm, as sssd-kcm serves many sites
    public void A_ticket_in_a_keyring_dir_or_kcm_ccache_named_by_krb5ccname_is_forwarded(string ccacheTemplate)
    {
        using var daemon = StartDaemon("ccache-types");
        UsePlugin(daemon);
        uint uid = testbed.UidOf("bob");
        string ccache = ccacheTemplate.Replace("{uid}", uid.ToString(System.Globalization.CultureInfo.InvariantCulture), StringComparison.Ordinal);
        // Only the named ccache holds a ticket: the default FILE one is destroyed.
        testbed.RunAs("bob", "kdestroy", "-A");
        try
        {
            testbed.RunAs("bob", "sh", "-c", $"mkdir -p /tmp/slurmnative-dir-ccache-{uid} && printf '%s\n' \"$1\" | KRB5CCNAME={ccache} kinit bob >/dev/null", "sh", testbed.Password("bob"))
                .EnsureSuccess($"kinit into {ccache}");

            CommandResult srun = testbed.RunAs("bob", "env", $"KRB5CCNAME={ccache}", "srun", "-N1", "klist");

            output.WriteLine(srun.Output);
            Assert.Equal(0, srun.ExitCode);
            Assert.Contains($"Ticket cache: FILE:/tmp/krb5cc_{uid}_slurm", srun.Stdout);
            Assert.Contains($"Default principal: bob@{Realm}", srun.Stdout);
        }
        finally
        {
            testbed.RunAs("bob", "env", $"KRB5CCNAME={ccache}", "kdestroy");
            Command.Run("rm", ["-rf", $"/tmp/slurmnative-dir-ccache-{uid}"]);
        }
    }

    [Fact]
    public void On_two_nodes_in_their_own_network_namespaces_each_step_fetches_the_ticket_across_the_bridge()
    {
        testbed.RestartWithNodes(2);
        try
        {
            string config = testbed.StartDaemon();
            Assert.Contains("servers = 10.", File.ReadAllText(config)); // the bridge, not loopback
            testbed.UsePlugstackLine($"required {testbed.PluginPath} default=on config={config}");
            testbed.Kinit("alice");

            CommandResult srun = testbed.RunAs("alice", "srun", "-N2", "sh", "-c", "echo node=$SLURMD_NODENAME cache=$KRB5CCNAME; klist -s && echo valid");

            output.WriteLine(srun.Output);
            Assert.Equal(0, srun.ExitCode);
            Assert.Contains("node=node1 cache=FILE:/tmp/krb5cc_", srun.Stdout);
            Assert.Contains("node=node2 cache=FILE:/tmp/krb5cc_", srun.Stdout);
            Assert.Equal(2, Regex.Matches(srun.Stdout, "^valid$", RegexOptions.Multiline).Count);
        }
        finally
        {
            testbed.RestartWithNodes(1);
        }
    }

    [Fact]
    public void Slurmstepd_fetches_early_as_root_and_as_the_owner_where_the_sites_acl_lets_root_fetch_nothing()
    {
        using var daemon = StartDaemon("early-fetch");
        UsePlugin(daemon);
        testbed.Kinit("alice");
        uint alice = testbed.UidOf("alice");

        // The default ACL: the fetch slurmstepd starts in init_post_opt is root's, for the job's node.
        testbed.RunAs("alice", "srun", "-N1", "true").EnsureSuccess("srun under the default ACL");
        Assert.Matches(@"released .* to uid 0 \(root\)", daemon.Log);

        // A site that lets users fetch only their own: root is refused, user_init asks as alice.
        File.WriteAllText(Path.Combine(daemon.Directory, "acl.conf"), "user *\n");
        daemon.Stop();
        daemon.Start();
        CommandResult srun = testbed.RunAs("alice", "srun", "-N1", "klist");

        output.WriteLine(srun.Output);
        Assert.Equal(0, srun.ExitCode);
        Assert.Contains($"Default principal: alice@{Realm}", srun.Stdout);
        Assert.Contains("refused uid 0 (root)", daemon.Log);
        Assert.Matches($@"released .* to uid {alice} \(alice\)", daemon.Log);
    }

    [Fact]
    public void Root_on_a_node_gets_a_users_ticket_only_for_her_job_running_there()
    {
        // Root is a node here too (by default it administers from the daemon's own host, which this is).
        using var daemon = new CredentialDaemon(testbed, "job-bound", "renew_threshold = 15s\nrenew_interval = 1s", acl: "node uid=0\nuser *\n");
        UsePlugin(daemon);
        testbed.Kinit("alice");
        testbed.Kinit("bob");
        daemon.CliAs("alice", "add").EnsureSuccess("alice add");
        string alices = StartSleepingBatchJob("alice");
        string bobs = StartSleepingBatchJob("bob");
        string cache = Path.Combine(daemon.Directory, "fetched");
        CommandResult GetAlices(params string[] job) =>
            Command.Run(CredentialDaemon.Cli, ["--config", daemon.ConfigPath, "get", "--user", "alice", .. job, "-c", "FILE:" + cache]);
        try
        {
            // Her job started with its ticket: slurmstepd's fetch as root named it, on this node.
            Assert.NotEmpty(JobCcaches("alice", alices));

            CommandResult noJob = GetAlices();
            CommandResult bobsJob = GetAlices("--job", bobs);
            CommandResult hers = GetAlices("--job", alices);

            Assert.Equal(1, noJob.ExitCode);
            Assert.Contains("node_fetch = job_bound: a node must name the job", noJob.Stderr);
            Assert.Equal(1, bobsJob.ExitCode);
            Assert.True(bobsJob.Stderr.Contains($"job {bobs} is not uid {testbed.UidOf("alice")}'s", StringComparison.Ordinal), bobsJob.Stderr);
            Assert.Equal(0, hers.ExitCode);
            Assert.Contains($"Default principal: alice@{Realm}", testbed.Klist(cache).Stdout);
        }
        finally
        {
            testbed.RunAs("root", "scancel", alices, bobs);
        }
        WaitUntilGone(alices, TimeSpan.FromSeconds(60));
        // The daemon trusts its last listing of jobs for a few seconds (a job start on many nodes asks once).
        Thread.Sleep(TimeSpan.FromSeconds(6)); // SlurmJobDirectory.JobTtl, 5 s, and a little more
        CommandResult ended = GetAlices("--job", alices);
        Assert.Equal(1, ended.ExitCode);
        Assert.Matches($"job {alices} is [A-Z]+, not running|slurmctld knows no job {alices}", ended.Stderr);
    }

    /// <summary>The plugin's lines in slurmd's log (where slurmstepd logs) for one job.</summary>
    private string SlurmdLogOf(string job) =>
        string.Join('\n', File.ReadLines(Path.Combine(testbed.Directory, "log", "slurmd.log"))
            .Where(l => l.Contains($"[{job}.", StringComparison.Ordinal) && l.Contains("slurmnative", StringComparison.Ordinal)));

    /// <summary>How many tickets the daemon has released to anyone so far (its log runs with --debug).</summary>
    private static int Releases(CredentialDaemon daemon) => Regex.Matches(daemon.Log, "released .* to uid").Count;

    /// <summary>A batch script with 5 steps one after the other and 2 at once, each saying which ccache it was given.</summary>
    private const string StepsOfABatchJob = """
        echo "batch $KRB5CCNAME"
        for i in 1 2 3 4 5; do srun -N1 -n1 sh -c 'klist -s && echo "step $KRB5CCNAME valid"'; done
        srun --overlap -N1 -n1 sh -c 'sleep 1; klist -s && echo "together $KRB5CCNAME valid"' &
        srun --overlap -N1 -n1 sh -c 'sleep 1; klist -s && echo "together $KRB5CCNAME valid"' &
        wait
        srun -v -N1 -n1 true
        """;

    /// <summary>
    /// Submits <see cref="StepsOfABatchJob"/> as alice, waits for it, and checks that the batch
    /// script and all seven of its steps saw the job's one ticket; returns the job and its output.
    /// </summary>
    private (string Job, string Output) RunStepsOfABatchJob()
    {
        string output = OutputFile();
        CommandResult sbatch = testbed.RunAs("alice", "sbatch", "--wait", "-n2", "-o", output, "--wrap", StepsOfABatchJob);
        string text = ReadAndDelete(output);
        Assert.Equal(0, sbatch.ExitCode);
        string job = SubmittedJob().Match(sbatch.Stdout).Groups[1].Value;
        string ccache = $"FILE:/tmp/krb5cc_{testbed.UidOf("alice")}_slurm{job}";
        Assert.Contains($"batch {ccache}\n", text);
        Assert.Equal(5, Regex.Matches(text, $"step {Regex.Escape(ccache)} valid").Count);
        Assert.Equal(2, Regex.Matches(text, $"together {Regex.Escape(ccache)} valid").Count);
        return (job, text);
    }

    [Fact]
    public void The_steps_of_a_batch_job_share_one_ccache_fetched_once_and_nothing_is_left_after_it()
    {
        using var daemon = StartDaemon("sbatch");
        UsePlugin(daemon);
        testbed.Kinit("alice");
        int releasedBefore = Releases(daemon);

        (string job, string text) = RunStepsOfABatchJob();
        // The sruns inside the batch script did not even start the plugin's runtime (srun -v
        // would show it active in local context).
        Assert.Contains("srun: defined options", text); // srun -v's own output does reach the file
        Assert.DoesNotContain("slurmnative: active in local context", text);
        Assert.True(Releases(daemon) - releasedBefore == 1, $"expected one fetch for the job; the daemon's log:\n{daemon.Log}\nslurmd's:\n{SlurmdLogOf(job)}");
        WaitUntilGone(job, TimeSpan.FromSeconds(30));
        Assert.Empty(JobCcaches("alice", job));
        Assert.Empty(JobRecords(job));
    }

    [Fact]
    public void With_scope_step_each_step_gets_a_ccache_of_its_own()
    {
        using var daemon = StartDaemon("per-step");
        UsePlugin(daemon, extra: "refresh_before=10s scope=step");
        testbed.Kinit("alice");
        string output = OutputFile();

        CommandResult sbatch = testbed.RunAs("alice", "sbatch", "--wait", "-o", output, "--wrap", "klist; srun -N1 klist");

        string text = ReadAndDelete(output);
        Assert.Equal(0, sbatch.ExitCode);
        string job = SubmittedJob().Match(sbatch.Stdout).Groups[1].Value;
        Assert.Contains($"Ticket cache: FILE:/tmp/krb5cc_{testbed.UidOf("alice")}_slurm{job}.batch", text);
        Assert.Contains($"Ticket cache: FILE:/tmp/krb5cc_{testbed.UidOf("alice")}_slurm{job}.0", text);
        Assert.Equal(2, Regex.Matches(text, $"Default principal: alice@{Realm}").Count);
        Assert.Empty(JobCcaches("alice", job));
    }

    [Fact]
    public void With_an_extern_step_the_jobs_steps_use_its_ccache_without_starting_the_runtime()
    {
        testbed.RestartWithNodes(1, externSteps: true);
        try
        {
            using var daemon = StartDaemon("extern");
            UsePlugin(daemon);
            testbed.Kinit("alice");
            int releasedBefore = Releases(daemon);

            (string job, _) = RunStepsOfABatchJob();
            Assert.Equal(1, Releases(daemon) - releasedBefore);
            // The extern step installed it; every other step's C side only pointed at it.
            testbed.WaitForSlurmdLogLine($"[{job}.extern] slurmnative: installed the ticket of alice@{Realm} in /tmp/krb5cc_{testbed.UidOf("alice")}_slurm{job}");
            testbed.WaitForSlurmdLogLine($"[{job}.batch] slurmnative: uses the job's ticket in /tmp/krb5cc_{testbed.UidOf("alice")}_slurm{job}, which its extern step keeps fresh");
            string log = File.ReadAllText(Path.Combine(testbed.Directory, "log", "slurmd.log"));
            Assert.DoesNotContain($"[{job}.batch] slurmnative: active in remote context", log);
            WaitUntilGone(job, TimeSpan.FromSeconds(30));
            Assert.Empty(LeftBehind("alice", job, TimeSpan.FromSeconds(10)));
        }
        finally
        {
            testbed.RestartWithNodes(1);
        }
    }

    [Fact]
    public void A_new_kinit_and_upload_reach_a_running_job_which_never_finds_its_ccache_missing()
    {
        using var daemon = StartDaemon("reupload");
        UsePlugin(daemon, extra: "refresh_before=10s refresh_check=3s");
        testbed.Kinit("alice", "-l", "3m", "-r", "10m");
        string output = OutputFile();
        // The job notes its ticket, then looks at its ccache ten times a second for 20 s.
        string job = SubmittedJob().Match(testbed.RunAs("alice", "sbatch", "-o", output, "--wrap", """
            echo "first $(klist | grep krbtgt/)"
            i=0; missing=0
            while [ $i -lt 200 ]; do klist -s || missing=$((missing + 1)); sleep 0.1; i=$((i + 1)); done
            echo "missing=$missing"
            echo "last $(klist | grep krbtgt/)"
            """).EnsureSuccess("sbatch").Stdout).Groups[1].Value;
        WaitUntilRunning(job);
        Thread.Sleep(TimeSpan.FromSeconds(3)); // a later kinit gives a ticket that starts later

        testbed.Kinit("alice", "-l", "3m", "-r", "10m");
        daemon.CliAs("alice", "add").EnsureSuccess("add the new ticket");
        WaitUntilGone(job, TimeSpan.FromSeconds(60));

        string text = ReadAndDelete(output);
        string first = Regex.Match(text, "first (.*)").Groups[1].Value.Trim();
        string last = Regex.Match(text, "last (.*)").Groups[1].Value.Trim();
        Assert.Contains("krbtgt/", first);
        Assert.Contains("krbtgt/", last);
        Assert.True(first != last, $"the job kept its first ticket; slurmd's log:\n{SlurmdLogOf(job)}");
        Assert.Contains("missing=0", text);
        Assert.Contains("took the ticket uploaded since", testbed.WaitForSlurmdLogLine($"[{job}.batch] slurmnative: took the ticket uploaded since"));
    }

    [Fact]
    public void A_ticket_that_cannot_outlast_the_job_is_a_warning_at_submission_and_below_min_ticket_life_a_refusal()
    {
        using var daemon = StartDaemon("ticket-life");
        UsePlugin(daemon);
        testbed.Kinit("alice", "-l", "5m", "-r", "10m");

        CommandResult warned = testbed.RunAs("alice", "srun", "-N1", "-t", "2:00:00", "true");
        Assert.Equal(0, warned.ExitCode);
        Assert.Contains("but the job may run for 2 hours", warned.Stderr);
        Assert.Contains("kinit -r 2h", warned.Stderr);

        UsePlugin(daemon, extra: "refresh_before=10s min_ticket_life=1h");
        CommandResult refused = testbed.RunAs("alice", "sbatch", "-o", "/dev/null", "--wrap", "true");
        Assert.NotEqual(0, refused.ExitCode);
        Assert.Contains("this site asks for 1 hour (min_ticket_life); run kinit -r 1h", refused.Stderr);
        Assert.DoesNotContain("Submitted batch job", refused.Stdout);
    }

    [Fact]
    public void Post_refresh_runs_as_the_user_after_the_install_and_each_refresh_and_a_hung_one_is_killed()
    {
        using var daemon = StartDaemon("post-refresh");
        string hooks = Path.Combine(daemon.Directory, "hooks");
        Directory.CreateDirectory(hooks);
        File.SetUnixFileMode(hooks, (UnixFileMode)0b111_101_101);
        string record = Path.Combine(hooks, "ran");
        File.WriteAllText(record, "");
        Command.Run("chown", ["alice", record]).EnsureSuccess("chown");
        string hook = Path.Combine(hooks, "record.sh");
        File.WriteAllText(hook, $"#!/bin/sh\necho \"$(id -u) $KRB5CCNAME job=$SLURM_JOB_ID $(test -r \"${{KRB5CCNAME#FILE:}}\" && echo readable)\" >> {record}\n");
        File.SetUnixFileMode(hook, (UnixFileMode)0b111_101_101);
        UsePlugin(daemon, extra: $"refresh_before=10s post_refresh={hook}");
        // A 40 s ticket: the step refreshes it (from the daemon, which renews it) while it runs.
        testbed.Kinit("alice", "-l", "40s", "-r", "10m");

        CommandResult srun = testbed.RunAs("alice", "srun", "-N1", "sh", "-c", "echo job=$SLURM_JOB_ID; sleep 35");

        Assert.Equal(0, srun.ExitCode);
        string job = Regex.Match(srun.Stdout, @"job=(\d+)").Groups[1].Value;
        string[] runs = File.ReadAllLines(record);
        output.WriteLine(string.Join('\n', runs));
        string expected = $"{testbed.UidOf("alice")} FILE:/tmp/krb5cc_{testbed.UidOf("alice")}_slurm{job} job={job} readable";
        Assert.True(runs.Length >= 2, $"post_refresh ran {runs.Length} times; it should run at the install and at the refresh");
        Assert.All(runs, line => Assert.Equal(expected, line));

        // A program that hangs holds the step's start for its timeout, no longer.
        File.WriteAllText(hook, "#!/bin/sh\nsleep 300\n");
        UsePlugin(daemon, extra: $"refresh_before=10s post_refresh={hook} post_refresh_timeout=2s");
        var clock = Stopwatch.StartNew();
        CommandResult hung = testbed.RunAs("alice", "srun", "-N1", "true");
        Assert.Equal(0, hung.ExitCode);
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(30), $"srun took {clock.Elapsed}");
        Assert.Contains($"post_refresh {hook} was killed after 2 s (post_refresh_timeout) as alice", testbed.WaitForSlurmdLogLine("post_refresh_timeout"));
    }

    [Fact]
    public void Bob_gets_his_own_ticket_never_alices_and_without_one_a_required_plugin_says_run_kinit()
    {
        using var daemon = StartDaemon("isolation");
        UsePlugin(daemon);
        testbed.Kinit("alice");
        testbed.RunAs("alice", "srun", "-N1", "true").EnsureSuccess("alice's job");

        testbed.RunAs("bob", "kdestroy", "-A");
        CommandResult without = testbed.RunAs("bob", "srun", "-N1", "echo", "ran");
        Assert.NotEqual(0, without.ExitCode);
        Assert.DoesNotContain("ran", without.Stdout);
        Assert.Contains("run kinit", without.Stderr);

        testbed.Kinit("bob");
        CommandResult with = testbed.RunAs("bob", "srun", "-N1", "klist");
        Assert.Equal(0, with.ExitCode);
        Assert.Contains($"Default principal: bob@{Realm}", with.Stdout);
        Assert.DoesNotContain("alice", with.Stdout);
    }

    [Fact]
    public void An_optional_plugin_warns_a_user_without_a_ticket_and_the_job_runs()
    {
        using var daemon = StartDaemon("optional");
        UsePlugin(daemon, mode: "optional");
        testbed.RunAs("carol", "kdestroy", "-A");

        CommandResult srun = testbed.RunAs("carol", "srun", "-N1", "sh", "-c", "echo ran; echo cache=${KRB5CCNAME:-none}");

        Assert.Equal(0, srun.ExitCode);
        Assert.Contains("ran", srun.Stdout);
        Assert.Contains("cannot forward a Kerberos ticket to the job", srun.Stderr);
        Assert.Contains("run kinit", srun.Stderr);
    }

    [Fact]
    public void A_planted_symlink_at_the_predictable_path_neither_redirects_nor_blocks_the_ccache()
    {
        using var daemon = StartDaemon("planted");
        UsePlugin(daemon);
        testbed.Kinit("alice");
        string output = OutputFile();
        string job = SubmittedJob().Match(testbed.RunAs("alice", "sbatch", "--hold", "-o", output, "--wrap",
            "stat -c 'owner=%U mode=%a type=%F' \"${KRB5CCNAME#FILE:}\"; echo cache=$KRB5CCNAME; klist").EnsureSuccess("sbatch --hold").Stdout).Groups[1].Value;
        string bait = $"/tmp/slurmnative-bait-{job}";
        string predictable = $"/tmp/krb5cc_{testbed.UidOf("alice")}_slurm{job}";
        try
        {
            testbed.RunAs("bob", "sh", "-c", $"echo bobs > {bait} && chmod 666 {bait} && ln -s {bait} {predictable}").EnsureSuccess("bob plants a symlink");
            testbed.RunAs("alice", "scontrol", "release", job).EnsureSuccess("release");
            WaitUntilGone(job, TimeSpan.FromSeconds(60));

            string text = ReadAndDelete(output);
            Assert.Contains("owner=alice mode=600 type=regular file", text);
            Assert.Contains($"cache=FILE:{predictable}_", text);
            Assert.Contains($"Default principal: alice@{Realm}", text);
            Assert.Equal("bobs\n", File.ReadAllText(bait));
            Assert.NotNull(new FileInfo(predictable).LinkTarget); // bob's symlink is bob's business
        }
        finally
        {
            File.Delete(predictable);
            File.Delete(bait);
        }
    }

    [Fact]
    public void A_job_outlives_its_ticket_lifetime_and_a_held_job_starts_with_a_valid_ticket()
    {
        using var daemon = StartDaemon("lifetime");
        UsePlugin(daemon);
        testbed.Kinit("alice", "-l", "20s", "-r", "10m");
        string held = OutputFile();
        string heldJob = SubmittedJob().Match(testbed.RunAs("alice", "sbatch", "--hold", "-o", held, "--wrap", "klist -s && echo valid-at-start").EnsureSuccess("sbatch --hold").Stdout).Groups[1].Value;

        // Runs 35 s with a 20 s ticket: only renewal keeps klist -s (valid TGT) true at the end.
        CommandResult srun = testbed.RunAs("alice", "srun", "-N1", "sh", "-c", "sleep 35; klist -s && echo valid-at-end; klist");
        output.WriteLine(srun.Output);
        Assert.Equal(0, srun.ExitCode);
        Assert.Contains("valid-at-end", srun.Stdout);

        // By now the held job has waited longer than the ticket's 20 s lifetime.
        testbed.RunAs("alice", "scontrol", "release", heldJob).EnsureSuccess("release");
        WaitUntilGone(heldJob, TimeSpan.FromSeconds(60));
        Assert.Contains("valid-at-start", ReadAndDelete(held));
    }

    [Fact]
    public void Scancel_and_a_time_limit_leave_no_ccache_behind()
    {
        using var daemon = StartDaemon("kill");
        UsePlugin(daemon);
        testbed.Kinit("alice");

        string cancelled = StartSleepingBatchJob("alice");
        Assert.NotEmpty(JobCcaches("alice", cancelled));
        testbed.RunAs("alice", "scancel", cancelled).EnsureSuccess("scancel");
        WaitUntilGone(cancelled, TimeSpan.FromSeconds(60));
        Assert.Empty(JobCcaches("alice", cancelled));

        var clock = Stopwatch.StartNew();
        CommandResult limited = testbed.RunAs("alice", "srun", "-N1", "-t", "0:05", "sh", "-c", "echo job=$SLURM_JOB_ID; sleep 300");
        output.WriteLine($"time-limited srun ended after {clock.Elapsed.TotalSeconds:0} s with {limited.ExitCode}");
        Assert.NotEqual(0, limited.ExitCode);
        string job = Regex.Match(limited.Stdout, @"job=(\d+)").Groups[1].Value;
        Assert.NotEmpty(job);
        WaitUntilGone(job, TimeSpan.FromSeconds(60));
        Assert.Empty(JobCcaches("alice", job));
    }

    /// <summary>A batch job whose slurmstepd dies by SIGKILL, so its exit hook never runs; returns the ccache it leaves.</summary>
    private string CcacheOfKilledStepd()
    {
        testbed.Kinit("alice");
        string job = StartSleepingBatchJob("alice");
        string leftover = Assert.Single(JobCcaches("alice", job));
        string title = $"slurmstepd: [{job}.batch]";
        int stepd = Directory.EnumerateDirectories("/proc")
            .Select(d => int.TryParse(Path.GetFileName(d), out int pid) ? pid : 0)
            .Single(pid => pid > 0 && File.Exists($"/proc/{pid}/cmdline") && SafeRead($"/proc/{pid}/cmdline").StartsWith(title, StringComparison.Ordinal));
        Command.Run("kill", ["-KILL", stepd.ToString(System.Globalization.CultureInfo.InvariantCulture)]).EnsureSuccess("kill -9 slurmstepd");
        testbed.RunAs("root", "scancel", job);
        WaitUntilGone(job, TimeSpan.FromSeconds(60));
        Assert.True(File.Exists(leftover), "the killed step's ccache should still be there before the sweep");
        return leftover;
    }

    [Fact]
    public void A_ccache_left_by_a_killed_slurmstepd_is_swept_by_the_next_forwarding_step_on_the_node()
    {
        using var daemon = StartDaemon("sweep");
        UsePlugin(daemon);
        string leftover = CcacheOfKilledStepd();

        // The sweep runs two seconds into a step, on its renewal thread.
        testbed.RunAs("alice", "srun", "-N1", "sleep", "4").EnsureSuccess("the next step");

        Assert.False(File.Exists(leftover), $"{leftover} survived the sweep");
        testbed.WaitForSlurmdLogLine($"removed {leftover}, left behind by a step that is gone");
    }

    [Fact]
    public void The_epilog_command_sweeps_a_killed_slurmstepds_ccache_without_waiting_for_another_job()
    {
        using var daemon = StartDaemon("epilog-sweep");
        UsePlugin(daemon);
        string leftover = CcacheOfKilledStepd();

        CommandResult sweep = Command.Run(CredentialDaemon.Cli, ["sweep", "--dir", "/tmp"]).EnsureSuccess("slurmnative sweep");

        Assert.False(File.Exists(leftover), $"{leftover} survived slurmnative sweep");
        Assert.Contains($"removed {leftover}", sweep.Stdout, StringComparison.Ordinal);
    }

    private static string SafeRead(string path)
    {
        try
        {
            return System.Text.Encoding.UTF8.GetString(File.ReadAllBytes(path));
        }
        catch (IOException)
        {
            return "";
        }
    }

    [Fact]
    public void With_the_daemon_silent_srun_returns_within_the_timeout_and_an_optional_plugin_lets_the_job_run()
    {
        // A daemon that accepts connections and never answers: the worst case for a client.
        using var silent = new TcpListener(IPAddress.Loopback, 0);
        silent.Start();
        var held = new List<Socket>();
        using var stopAccepting = new CancellationTokenSource();
        _ = Task.Run(async () =>
        {
            while (!stopAccepting.IsCancellationRequested)
                held.Add(await silent.AcceptSocketAsync(stopAccepting.Token));
        });
        int port = ((IPEndPoint)silent.LocalEndpoint).Port;
        string config = Path.Combine(testbed.Directory, "silent-daemon.conf");
        File.WriteAllText(config, $"servers = 127.0.0.1:{port}\nclient_timeout = 2s\nmunge_socket = {Path.Combine(testbed.Directory, "munge", "munge.socket")}\n");
        File.SetUnixFileMode(config, (UnixFileMode)0b110_100_100);
        testbed.UsePlugstackLine($"optional {testbed.PluginPath} default=on config={config}");
        testbed.Kinit("alice");

        var clock = Stopwatch.StartNew();
        CommandResult srun = testbed.RunAs("alice", "srun", "-N1", "echo", "ran");
        TimeSpan elapsed = clock.Elapsed;
        stopAccepting.Cancel();
        output.WriteLine($"srun with a silent daemon: {elapsed.TotalSeconds:0.0} s\n{srun.Output}");

        Assert.Equal(0, srun.ExitCode);
        Assert.Equal("ran", srun.Stdout.Trim());
        Assert.Contains("no answer within 2 s", srun.Stderr);
        // One 2 s timeout in srun and one in slurmstepd, plus an ordinary srun (well under a second here).
        Assert.True(elapsed < TimeSpan.FromSeconds(4 + 6), $"srun took {elapsed}");
        foreach (Socket socket in held)
            socket.Dispose();
    }
}
