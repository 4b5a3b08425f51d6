using SlurmNative.Tests.TestSupport;
using Xunit.Abstractions;

namespace SlurmNative.IntegrationTests;

/// <summary>
/// An ordinary user (bob) where the daemon should be: on its port while it is down, or on a
/// failover address with no daemon. Whatever he receives, his own unmunge cannot read; whatever
/// he answers, no job takes for the daemon's word.
/// </summary>
[Collection(TestbedCollection.Name)]
public sealed class TrustOnTheWireTests(Testbed testbed, ITestOutputHelper output)
{
    private const string Realm = "SLURMNATIVE.TEST";

    private void UsePlugin(string mode, string config) =>
        testbed.UsePlugstackLine($"{mode} {testbed.PluginPath} default=on config={config}");

    /// <summary>Each captured credential, decoded by the listener's own user: munged must refuse every one.</summary>
    private void AssertNothingReadable(Adversary listener, int atLeast)
    {
        string[] captured = listener.CapturedRequests();
        Assert.True(captured.Length >= atLeast, $"the listener received {captured.Length} requests, expected at least {atLeast}:\n{listener.Output}");
        foreach (string credential in captured)
        {
            CommandResult unmunge = listener.Unmunge(credential);
            output.WriteLine($"unmunge {Path.GetFileName(credential)} as {listener.User}: exit {unmunge.ExitCode}: {unmunge.Output.Trim()}");
            Assert.NotEqual(0, unmunge.ExitCode);
            Assert.Contains("Unauthorized credential", unmunge.Output);
            Assert.DoesNotContain("krbtgt", unmunge.Output);
        }
    }

    [Fact]
    public void With_the_daemon_down_a_user_on_its_port_reads_nothing_and_add_srun_and_sbatch_fail()
    {
        using var daemon = new CredentialDaemon(testbed, "rogue-port");
        daemon.Stop();
        // A connection closed unanswered is asked again until the client timeout: keep it short.
        string config = daemon.ClientConfig("short-timeout", timeout: "1s");
        testbed.Kinit("alice");
        UsePlugin("required", config);
        using var listener = Adversary.Listen(testbed, "bob", daemon.Port, answer: "close");

        CommandResult add = testbed.RunAs("alice", CredentialDaemon.Cli, "--config", config, "add");
        CommandResult srun = testbed.RunAs("alice", "srun", "-N1", "true");
        CommandResult sbatch = testbed.RunAs("alice", "sbatch", "-o", "/dev/null", "--wrap", "true");
        output.WriteLine($"add: {add.Output}\nsrun: {srun.Output}\nsbatch: {sbatch.Output}");

        Assert.Equal(3, add.ExitCode); // unreachable
        Assert.Contains($"127.0.0.1:{daemon.Port}", add.Stderr);
        Assert.NotEqual(0, srun.ExitCode);
        Assert.Contains("cannot forward the Kerberos ticket", srun.Stderr);
        Assert.NotEqual(0, sbatch.ExitCode);
        Assert.DoesNotContain("Submitted batch job", sbatch.Stdout);
        AssertNothingReadable(listener, atLeast: 3);
    }

    [Theory]
    [InlineData("close")]
    [InlineData("plain")]
    [InlineData("sealed")] // sealed with a key of bob's choosing, around bob's own TGT
    public void A_user_on_the_first_failover_address_reads_nothing_and_jobs_get_their_ticket_from_the_daemon(string answer)
    {
        using var daemon = new CredentialDaemon(testbed, "rogue-failover");
        int roguePort = CredentialDaemon.FreePort();
        string config = daemon.ClientConfig("rogue-first", servers: [roguePort, daemon.Port]);
        testbed.Kinit("bob");
        testbed.Kinit("alice");
        UsePlugin("required", config);
        using var listener = Adversary.Listen(testbed, "bob", roguePort, answer);

        CommandResult srun = testbed.RunAs("alice", "srun", "-N1", "sh", "-c", "echo cache=$KRB5CCNAME; klist");
        output.WriteLine(srun.Output);

        Assert.Equal(0, srun.ExitCode);
        Assert.Contains("cache=FILE:/tmp/krb5cc_", srun.Stdout);
        Assert.Contains($"Default principal: alice@{Realm}", srun.Stdout);
        Assert.DoesNotContain("bob@", srun.Stdout);
        // srun's upload and slurmstepd's fetch as root both went to bob first.
        AssertNothingReadable(listener, atLeast: 2);
    }

    [Fact]
    public void A_ticket_sealed_by_a_user_in_the_daemons_place_never_reaches_a_job()
    {
        using var daemon = new CredentialDaemon(testbed, "rogue-ticket");
        daemon.Stop();
        testbed.Kinit("bob");
        testbed.Kinit("alice");
        UsePlugin("optional", daemon.ConfigPath);
        using var listener = Adversary.Listen(testbed, "bob", daemon.Port, answer: "sealed");

        // The job's own ccache would be the only one named by KRB5CCNAME.
        CommandResult srun = testbed.RunAs("alice", "srun", "-N1", "sh", "-c", "echo cache=${KRB5CCNAME:-none}; klist -c \"${KRB5CCNAME:-MEMORY:none}\" || echo no-ticket");
        output.WriteLine(srun.Output);

        Assert.Equal(0, srun.ExitCode); // optional: the job runs without a ticket
        Assert.Contains("cache=none", srun.Stdout);
        Assert.Contains("no-ticket", srun.Stdout);
        Assert.DoesNotContain("bob@", srun.Output);
        Assert.Contains("does not answer this request", testbed.WaitForSlurmdLogLine("no Kerberos ticket for the job"));
        AssertNothingReadable(listener, atLeast: 2);
    }

    [Theory]
    [InlineData("idle", 0)] // the default limits: the frame deadline closes them
    [InlineData("drip", 0)]
    [InlineData("idle", 100)] // more than one host may keep waiting: each new one closes the oldest
    [InlineData("drip", 100)]
    public void A_thousand_connections_held_by_one_user_do_not_keep_another_users_jobs_from_their_tickets(string mode, int maxWaitingPerHost)
    {
        using var daemon = new CredentialDaemon(testbed, "flood", maxWaitingPerHost > 0 ? $"max_waiting_per_host = {maxWaitingPerHost}" : "");
        testbed.Kinit("alice");
        UsePlugin("required", daemon.ConfigPath);
        using var flood = Adversary.Flood(testbed, "bob", daemon.Port, connections: 1000, mode);

        // Past the default frame deadline (2 s), so the flood's first connections have been closed and replaced.
        var clock = System.Diagnostics.Stopwatch.StartNew();
        for (int i = 0; i < 5 || clock.Elapsed < TimeSpan.FromSeconds(4); i++)
        {
            CommandResult srun = testbed.RunAs("alice", "srun", "-N1", "sh", "-c", "klist -s && echo valid");
            output.WriteLine(srun.Output);
            Assert.Equal(0, srun.ExitCode);
            Assert.Contains("valid", srun.Stdout);
        }
        testbed.RunAs("alice", CredentialDaemon.Cli, "--config", daemon.ConfigPath, "add").EnsureSuccess("add during the flood");

        string counts = flood.Stop();
        output.WriteLine(counts);
        long closed = long.Parse(System.Text.RegularExpressions.Regex.Match(counts, @"closed by the daemon (\d+)").Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture);
        Assert.True(closed > 0, "the daemon should have closed connections that sent no request");
        if (maxWaitingPerHost > 0)
            Assert.Contains("connections that had sent no request, to make room", daemon.Log);
    }
}
