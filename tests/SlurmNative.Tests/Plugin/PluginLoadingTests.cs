using SlurmNative.Tests.TestSupport;

namespace SlurmNative.Tests.Plugin;

/// <summary>
/// The published .so, loaded the way Slurm's plugin loader loads it (dlopen, dlsym),
/// by a small C host that plays Slurm (fake_slurm_host.c). No Slurm daemon needed.
/// </summary>
public class PluginLoadingTests
{
    private static readonly Lazy<string> Host = new(() => Command.CompileC(
        Path.Combine(Repository.Root, "tests", "SlurmNative.Tests", "Plugin", "fake_slurm_host.c"),
        "fake_slurm_host", "-rdynamic", "-ldl", "-pthread"));

    // What srun, sbatch and salloc find in their environment inside a job whose ticket went up.
    private const string ForwardedMarker = "SLURMNATIVE_KRB5_FORWARDED=alice@SLURMNATIVE.TEST until 2030-01-01T00:00:00Z";

    private static Dictionary<string, List<string>> Load(string context, string option, params string[] arguments) =>
        LoadWithEnvironment([], context, option, arguments);

    private static Dictionary<string, List<string>> LoadWithEnvironment(string[] environment, string context, string option, params string[] arguments) =>
        LoadThrough([], environment, context, option, arguments);

    /// <param name="launcher">a command line the host runs under, e.g. to change its user or limits.</param>
    private static Dictionary<string, List<string>> LoadThrough(string[] launcher, string[] environment, string context, string option, params string[] arguments)
    {
        // Not the marker of a job the test run itself may be inside.
        string[] host = ["env", "-u", "SLURMNATIVE_KRB5_FORWARDED", .. environment, Host.Value, Repository.PluginPath, context, option, .. arguments];
        string[] command = [.. launcher, .. host];
        CommandResult result = Command.Run(command[0], command[1..]).EnsureSuccess("fake_slurm_host");
        var lines = new Dictionary<string, List<string>>();
        foreach (string line in result.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries))
        {
            int equals = line.IndexOf('=');
            string key = line[..equals];
            if (!lines.TryGetValue(key, out List<string>? values))
                lines[key] = values = [];
            values.Add(line[(equals + 1)..]);
        }
        return lines;
    }

    [Fact]
    public void Exports_exactly_the_spank_symbols_and_the_runtime_self_test()
    {
        string[] expected =
        [
            "plugin_name", "plugin_type", "plugin_version", "spank_plugin_version",
            "slurm_spank_exit", "slurm_spank_init", "slurm_spank_init_post_opt", "slurm_spank_local_user_init", "slurm_spank_user_init",
            "slurmnative_runtime_selftest",
        ];
        CommandResult nm = Command.Run("nm", ["-D", "--defined-only", Repository.PluginPath]).EnsureSuccess("nm");
        string[] exported = nm.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries)
            .Select(line => line.Split(' ', StringSplitOptions.RemoveEmptyEntries))
            .Where(fields => fields.Length == 3 && fields[1] != "A") // "A" lines are version nodes, not symbols
            .Select(fields => fields[2].Split('@')[0])
            .Order(StringComparer.Ordinal)
            .ToArray();
        Assert.Equal(expected.Order(StringComparer.Ordinal), exported);
    }

    /// <summary>
    /// What the extern step of job 77 leaves on a node for the job's other steps (the fake host's job 77,
    /// uid 4242): a process titled as that extern step, the ccache, and root's record naming both.
    /// </summary>
    private sealed class ExternStepLeftovers : IDisposable
    {
        private readonly TempDirectory scratch = new();
        private readonly System.Diagnostics.Process externStep;

        public string StateDirectory => scratch.File("state");
        public string CcacheDirectory => scratch.File("ccaches");
        public string Ccache => Path.Combine(CcacheDirectory, "krb5cc_4242_slurm77");
        public string Record => Path.Combine(StateDirectory, "job-77.record");

        public ExternStepLeftovers()
        {
            var start = new System.Diagnostics.ProcessStartInfo("bash") { UseShellExecute = false };
            start.ArgumentList.Add("-c");
            start.ArgumentList.Add("exec -a 'slurmstepd: [77.extern]' sleep 120");
            externStep = System.Diagnostics.Process.Start(start)!;
            Directory.CreateDirectory(StateDirectory);
            Directory.CreateDirectory(CcacheDirectory);
            File.SetUnixFileMode(CcacheDirectory, (UnixFileMode)0b111_111_111 | UnixFileMode.StickyBit);
            File.WriteAllText(Ccache, "not read by the C side");
            File.SetUnixFileMode(Ccache, UnixFileMode.UserRead | UnixFileMode.UserWrite);
            Command.Run("chown", ["4242", Ccache]).EnsureSuccess("chown");
            WriteRecord($"v1 4242 {externStep.Id} krb5cc_4242_slurm77\n");
            // The title is set by exec; wait until /proc shows it.
            SpinWait.SpinUntil(() => File.ReadAllText($"/proc/{externStep.Id}/cmdline").StartsWith("slurmstepd: [77.extern]", StringComparison.Ordinal), TimeSpan.FromSeconds(5));
        }

        public void WriteRecord(string text, UnixFileMode mode = (UnixFileMode)0b110_100_100)
        {
            File.WriteAllText(Record, text);
            File.SetUnixFileMode(Record, mode);
        }

        public void EndExternStep()
        {
            externStep.Kill();
            externStep.WaitForExit();
        }

        public string[] Arguments => ["default=on", "min_uid=0", $"state_dir={StateDirectory}", $"ccache_dir={CcacheDirectory}"];

        public void Dispose()
        {
            if (!externStep.HasExited)
                EndExternStep();
            externStep.Dispose();
            scratch.Dispose();
        }
    }

    [RootFact]
    public void A_step_whose_extern_step_looks_after_the_jobs_ticket_points_at_it_without_starting_the_runtime()
    {
        using var extern77 = new ExternStepLeftovers();

        var result = Load("remote", "-", extern77.Arguments);

        Assert.Equal(["KRB5CCNAME=FILE:" + extern77.Ccache + " overwrite=1"], result["setenv"]);
        Assert.Equal(["0"], result["runtime_started"]);
        Assert.Equal(["0"], result["slurm_spank_user_init"]);
        Assert.True(File.Exists(extern77.Ccache), "the extern step removes it, not the step");
    }

    [RootTheory]
    [InlineData("the extern step is gone")]
    [InlineData("the record is writable by others")]
    [InlineData("the record names another user")]
    [InlineData("the record names a path")]
    [InlineData("the record is cut short")]
    [InlineData("the ccache is someone else's")]
    [InlineData("the site wants a ccache per step")]
    public void Otherwise_the_step_is_left_to_managed_code(string situation)
    {
        using var extern77 = new ExternStepLeftovers();
        string[] arguments = extern77.Arguments;
        string record = File.ReadAllText(extern77.Record);
        switch (situation)
        {
            case "the extern step is gone": extern77.EndExternStep(); break;
            case "the record is writable by others": extern77.WriteRecord(record, (UnixFileMode)0b110_110_110); break;
            case "the record names another user": extern77.WriteRecord(record.Replace("v1 4242", "v1 4243", StringComparison.Ordinal)); break;
            case "the record names a path": extern77.WriteRecord(record.Replace("krb5cc_4242_slurm77", "../ccaches/krb5cc_4242_slurm77", StringComparison.Ordinal)); break;
            case "the record is cut short": extern77.WriteRecord(record.TrimEnd('\n')); break;
            case "the ccache is someone else's": Command.Run("chown", ["4243", extern77.Ccache]).EnsureSuccess("chown"); break;
            case "the site wants a ccache per step": arguments = [.. arguments, "scope=step"]; break;
        }

        var result = Load("remote", "-", arguments);

        Assert.Equal(["1"], result["runtime_started"]);
    }

    [Fact]
    public void Unload_is_a_no_op_and_binding_is_immediate()
    {
        CommandResult dynamic = Command.Run("readelf", ["-d", Repository.PluginPath]).EnsureSuccess("readelf");
        Assert.Matches(@"FLAGS_1\)\s+Flags:.*NODELETE", dynamic.Stdout);
        Assert.Matches(@"FLAGS_1\)\s+Flags:.*NOW", dynamic.Stdout);
    }

    [Fact]
    public void Carries_the_identity_of_the_slurm_it_was_built_against()
    {
        var result = Load("local", "-");
        Assert.Equal(["slurmnative"], result["plugin_name"]);
        Assert.Equal(["spank"], result["plugin_type"]);
        Assert.Equal(["1"], result["plugin_version_matches"]);
        Assert.Equal(["1"], result["unloaded"]);
    }

    [Fact]
    public void Registers_the_krb5_option_with_an_optional_argument()
    {
        var result = Load("allocator", "-");
        Assert.Equal(["1"], result["options_registered"]);
        Assert.Equal(["krb5"], result["option_name"]);
        Assert.Equal(["2"], result["option_has_arg"]);
    }

    // Whether or not the job already carries a forwarded ticket (the marker in its environment).
    [Theory]
    [InlineData(false, "local", "-")]                           // site default absent: off
    [InlineData(false, "local", "no", "default=on")]            // the user opted out
    [InlineData(false, "slurmd", "-", "default=on")]            // a context the plugin never acts in
    [InlineData(false, "local", "done", "default=on")]          // the user reuses the allocation's ticket
    [InlineData(false, "allocator", "done")]
    [InlineData(true, "local", "-", "default=on")]              // an srun inside a job that already carries one
    [InlineData(true, "allocator", "-", "default=on")]
    public void Does_not_start_the_runtime_when_there_is_nothing_to_do(bool inForwardedJob, string context, string option, params string[] arguments)
    {
        var result = LoadWithEnvironment(inForwardedJob ? [ForwardedMarker] : [], context, option, arguments);
        Assert.Equal(["0"], result["runtime_started"]);
        Assert.Equal(["0"], result["slurm_spank_init_post_opt"]);
        Assert.False(result.ContainsKey("log.verbose"));
    }

    [Theory]
    [InlineData("local", "", "default=on", "min_uid=0")]  // an explicit --krb5 sends a fresh ticket
    [InlineData("remote", "-", "default=on")]             // slurmstepd installs the forwarded one
    [InlineData("remote", "done")]
    public void A_job_that_already_carries_a_ticket_still_starts_the_runtime_where_there_is_work(string context, string option, params string[] arguments)
    {
        var result = LoadWithEnvironment([ForwardedMarker], context, option, arguments);
        Assert.Equal(["1"], result["runtime_started"]);
    }

    // The host runs as root in srun's and sbatch's contexts, below the default min_uid,
    // where the plugin starts but stays silent (ForwardingPluginTests covers that case).
    [Theory]
    [InlineData("local", "-", "default=on", "min_uid=0")]
    [InlineData("allocator", "yes", "min_uid=0")]
    [InlineData("remote", "", "default=off")]
    public void Starts_managed_code_when_forwarding_is_on(string context, string option, params string[] arguments)
    {
        var result = Load(context, option, arguments);
        Assert.Equal(["1"], result["runtime_started"]);
        Assert.Contains(result["log.verbose"], line => line.StartsWith($"slurmnative: active in {context} context", StringComparison.Ordinal));
    }

    // slurmstepd has threads before it loads the plugin; registering for membarrier there makes
    // the kernel wait for an RCU grace period (native/runtime_membarrier.c), so the runtime does
    // without. Its fallback needs one locked page: where the user may lock none, it registers
    // after all, and the plugin works as before.
    // Root may always lock memory, so the host drops to nobody to be refused.
    [RootTheory]
    [InlineData(true, "0")]
    [InlineData(false, "1")]
    public void In_a_process_with_threads_the_runtime_registers_for_membarrier_only_where_it_cannot_lock_a_page(bool mayLockMemory, string registered)
    {
        string[] launcher = mayLockMemory ? [] : ["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", "sh", "-c", "ulimit -l 0 && exec \"$@\"", "sh"];
        var result = LoadThrough(launcher, [], "remote", "-", "default=on", "min_uid=4000000000");
        Assert.Equal(["1"], result["runtime_started"]);
        Assert.Equal(["0"], result["slurm_spank_init_post_opt"]);
        Assert.Equal(["0"], result["slurm_spank_user_init"]);
        Assert.Equal([registered], result["membarrier_registered"]);
    }

    // The registration declined, every barrier the GC needs goes through the runtime's fallback:
    // eight threads force 300 collections each while their buffers are live, and check what they read.
    [Fact]
    public void With_the_registration_declined_the_runtime_collects_hundreds_of_times_on_many_threads_correctly()
    {
        var result = LoadWithEnvironment(["FAKE_HOST_SELFTEST=8,300"], "remote", "-", "default=on", "min_uid=4000000000");
        Assert.Equal(["0"], result["membarrier_registered"]);
        int collections = int.Parse(Assert.Single(result["selftest"]), System.Globalization.CultureInfo.InvariantCulture);
        Assert.True(collections >= 300, $"the self-test ran {collections} collections (negative: a thread read back wrong data)");
    }

    [Fact]
    public void Membarrier_runtime_in_plugstack_leaves_the_registration_to_the_runtime()
    {
        var result = Load("remote", "-", "default=on", "min_uid=4000000000", "membarrier=runtime");
        Assert.Equal(["1"], result["runtime_started"]);
        Assert.Equal(["0"], result["slurm_spank_init_post_opt"]);
        Assert.Equal(["1"], result["membarrier_registered"]);
    }

    [Fact]
    public void A_bad_plugstack_argument_fails_the_hook_and_names_the_argument()
    {
        var result = Load("local", "-", "default=on", "colour=blue");
        Assert.Equal(["-1"], result["slurm_spank_init_post_opt"]);
        string error = Assert.Single(result["log.error"]);
        Assert.Contains("'colour=blue'", error);
        Assert.Contains("plugstack.conf", error);
    }

    [Fact]
    public void A_bad_option_value_is_refused_by_the_option_callback()
    {
        var result = Load("local", "maybe");
        Assert.Equal(["-1"], result["option_callback"]);
        Assert.Contains(result["log.error"], line => line.Contains("--krb5=maybe", StringComparison.Ordinal));
    }
}
