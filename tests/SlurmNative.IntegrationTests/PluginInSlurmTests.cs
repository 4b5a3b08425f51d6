using System.Text.RegularExpressions;
using SlurmNative.Tests.TestSupport;

namespace SlurmNative.IntegrationTests;

/// <summary>The plugin inside real srun, sbatch, salloc and slurmstepd.</summary>
[Collection(TestbedCollection.Name)]
public sealed partial class PluginInSlurmTests(Testbed testbed)
{
    private const string User = "alice";

    [GeneratedRegex(@"jobid (\d+)")]
    private static partial Regex JobIdInVerboseOutput();

    [GeneratedRegex(@"Submitted batch job (\d+)")]
    private static partial Regex SubmittedJob();

    [Fact]
    public void Srun_help_lists_the_krb5_option()
    {
        testbed.UsePlugstackLine($"optional {testbed.PluginPath}");
        CommandResult help = testbed.RunAs(User, "srun", "--help");
        Assert.Matches(@"--krb5=\[yes\|no\|done\]", help.Output);
    }

    [Fact]
    public void Srun_loads_it_in_local_context_and_slurmstepd_in_remote_context()
    {
        testbed.UsePlugstackLine($"optional {testbed.PluginPath} default=on");
        CommandResult srun = testbed.RunAs(User, "srun", "-v", "-N1", "true");

        Assert.Equal(0, srun.ExitCode);
        Assert.Contains($"slurmnative: active in local context (exit, uid {testbed.UidOf(User)})", srun.Stderr);
        string job = JobIdInVerboseOutput().Match(srun.Stderr).Groups[1].Value;
        Assert.NotEmpty(job);
        testbed.WaitForSlurmdLogLine($"slurmnative: active in remote context (user_init, uid {testbed.UidOf(User)} job {job}.0)");
    }

    [Fact]
    public void Sbatch_loads_it_in_allocator_context_and_the_batch_step_in_remote_context()
    {
        testbed.UsePlugstackLine($"optional {testbed.PluginPath} default=on");
        CommandResult sbatch = testbed.RunAs(User, "sbatch", "-v", "--wait", "-o", "/dev/null", "--wrap", "true");

        Assert.Equal(0, sbatch.ExitCode);
        Assert.Contains("slurmnative: active in allocator context", sbatch.Stderr);
        string job = SubmittedJob().Match(sbatch.Stdout).Groups[1].Value;
        Assert.NotEmpty(job);
        testbed.WaitForSlurmdLogLine($"slurmnative: active in remote context (user_init, uid {testbed.UidOf(User)} job {job}.batch)");
    }

    [Fact]
    public void Salloc_loads_it_in_allocator_context()
    {
        testbed.UsePlugstackLine($"optional {testbed.PluginPath}");
        CommandResult salloc = testbed.RunAs(User, "salloc", "-v", "-N1", "--krb5", "true");

        Assert.Equal(0, salloc.ExitCode);
        Assert.Contains("slurmnative: active in allocator context", salloc.Stderr);
    }

    [Fact]
    public void Disabled_by_default_it_stays_silent_until_the_user_asks()
    {
        testbed.UsePlugstackLine($"optional {testbed.PluginPath}");

        CommandResult quiet = testbed.RunAs(User, "srun", "-v", "-N1", "true");
        CommandResult asked = testbed.RunAs(User, "srun", "-v", "-N1", "--krb5", "true");

        Assert.Equal(0, quiet.ExitCode);
        Assert.DoesNotContain("slurmnative: active", quiet.Stderr);
        Assert.Equal(0, asked.ExitCode);
        Assert.Contains("slurmnative: active in local context", asked.Stderr);
    }

    [Fact]
    public void The_user_can_opt_out_of_a_site_default()
    {
        testbed.UsePlugstackLine($"optional {testbed.PluginPath} default=on");
        CommandResult srun = testbed.RunAs(User, "srun", "-v", "-N1", "--krb5=no", "true");
        Assert.Equal(0, srun.ExitCode);
        Assert.DoesNotContain("slurmnative: active", srun.Stderr);
    }

    [Fact]
    public void A_bad_option_value_stops_srun_with_the_accepted_values()
    {
        testbed.UsePlugstackLine($"optional {testbed.PluginPath}");
        CommandResult srun = testbed.RunAs(User, "srun", "-N1", "--krb5=maybe", "true");
        Assert.NotEqual(0, srun.ExitCode);
        Assert.Contains("--krb5=maybe is not understood", srun.Stderr);
    }

    [Theory]
    [InlineData("required")]
    [InlineData("optional")]
    public void A_bad_plugstack_argument_is_named_and_stops_the_job_only_if_the_plugin_is_required(string kind)
    {
        testbed.UsePlugstackLine($"{kind} {testbed.PluginPath} default=on colour=blue");
        CommandResult srun = testbed.RunAs(User, "srun", "-N1", "echo", "ran");

        Assert.Contains("'colour=blue' has an unknown key 'colour'", srun.Stderr);
        if (kind == "required")
        {
            Assert.NotEqual(0, srun.ExitCode);
            Assert.DoesNotContain("ran", srun.Stdout);
        }
        else
        {
            Assert.Equal(0, srun.ExitCode);
            Assert.Equal("ran", srun.Stdout.Trim());
        }
    }

    [Fact]
    public void The_plugin_still_loads_under_a_users_address_space_limit()
    {
        testbed.UsePlugstackLine($"optional {testbed.PluginPath} default=on");
        CommandResult srun = testbed.RunAs(User, "bash", "-c", "ulimit -v 4000000 && srun -v -N1 true");

        Assert.Equal(0, srun.ExitCode);
        Assert.Contains("slurmnative: active in local context", srun.Stderr);
    }
}
