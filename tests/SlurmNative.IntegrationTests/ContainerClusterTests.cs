using SlurmNative.Tests.TestSupport;
using Xunit.Abstractions;

namespace SlurmNative.IntegrationTests;

/// <summary>
/// The cluster admins try SlurmNative with (container/cluster.sh): images built from this
/// checkout's plugin, daemon and CLI, a KDC, slurmctld, two slurmd containers and slurmnatived,
/// then the flow a user sees. It uses its own names and ports (64000 and up), clear of the
/// testbed's and of an admin's own container cluster, so it needs no testbed.
/// </summary>
public sealed class ContainerClusterTests(ITestOutputHelper output)
{
    private const string Prefix = "slurmnative-test";
    private static readonly string[] Environment =
    [
        $"SN_PREFIX={Prefix}", "SN_PORT_BASE=64000",
        // The renewal inside a job takes over a minute and the testbed's tests cover it;
        // ./build.sh containers test runs it.
        "SN_TEST_RENEWAL=0",
    ];

    [ContainerFact]
    public void A_forwarded_ticket_reaches_jobs_in_containers_and_nobody_else()
    {
        string script = Path.Combine(Repository.Root, "container", "cluster.sh");
        // What a killed earlier run left behind would stop the cluster from starting.
        Command.Run("env", [.. Environment, script, "stop"], TimeSpan.FromMinutes(1));
        CommandResult result;
        try
        {
            // The first run on a machine builds the images (a Debian image from mmdebstrap,
            // then apt-get inside the build): about three minutes here; later runs under one.
            result = Command.Run("env", [.. Environment, script, "test"], TimeSpan.FromMinutes(8));
        }
        finally
        {
            Command.Run("env", [.. Environment, script, "stop"], TimeSpan.FromMinutes(1));
        }
        output.WriteLine(result.Output);
        Assert.True(result.ExitCode == 0, $"cluster.sh test failed:\n{result.Output}");
        foreach (string check in new[]
        {
            "ok   a two-node job sees alice's forwarded ticket on both nodes",
            "ok   the job's ccache is alice's, mode 600",
            "ok   the job's ccache is gone once the job ended",
            "ok   bob cannot get alice's ticket",
            "ok   the daemon's log has the audit lines",
        })
            Assert.Contains(check, result.Stdout, StringComparison.Ordinal);

        // Nothing of the cluster is left: no container, no volume.
        string engine = ContainerFactAttribute.Engine!;
        string label = $"label=io.slurmnative.cluster={Prefix}";
        Assert.Equal("", Command.Run(engine, ["ps", "-a", "-q", "--filter", label]).EnsureSuccess("ps").Stdout.Trim());
        Assert.Equal("", Command.Run(engine, ["volume", "ls", "-q", "--filter", label]).EnsureSuccess("volume ls").Stdout.Trim());
    }
}
