using SlurmNative.Tests.TestSupport;
using Xunit.Abstractions;

namespace SlurmNative.IntegrationTests;

/// <summary>
/// The four packages from <c>./build.sh package</c>, installed with dpkg on this machine and run
/// with the installed files only: the daemon and the CLI from /usr, the plugin from /usr/lib in the
/// test cluster's plugstack.conf, and every .NET install hidden from them. Then purged, leaving
/// nothing but the system user Debian policy keeps.
/// </summary>
[Collection(TestbedCollection.Name)]
public sealed class InstalledPackagesTests(Testbed testbed, ITestOutputHelper output)
{
    private static readonly string[] Packages = ["slurmnative-plugin", "slurmnative-gateway", "slurmnative-daemon", "slurmnative-client"];

    // Not the testbed daemon's port (base + 850): both may run at once.
    private const int Port = 61857;

    [Fact]
    public void Installed_packages_forward_a_ticket_without_dotnet_and_purge_leaves_nothing()
    {
        string debs = Path.Combine(Repository.Root, "artifacts", "deb");
        string[] files = Packages.Select(p => Directory.GetFiles(debs, $"{p}_*.deb").SingleOrDefault()
            ?? throw new Xunit.Sdk.XunitException($"{p}_*.deb is missing in {debs}: run ./build.sh package (./build.sh test does)")).ToArray();
        foreach (string package in Packages)
            Assert.False(Installed(package), $"{package} is already installed on this machine; the test would purge it");
        Assert.False(Directory.Exists("/etc/slurmnative"), "/etc/slurmnative exists before the packages are installed");
        bool userExisted = Command.Run("getent", ["passwd", "slurmnative"]).ExitCode == 0;

        string daemonPid = Path.Combine(testbed.Directory, "installed-slurmnatived.pid");
        string daemonLog = Path.Combine(testbed.Directory, "log", "installed-slurmnatived.out");
        List<string> owned = [];
        try
        {
            Command.Run("dpkg", ["-i", .. files], TimeSpan.FromMinutes(3)).EnsureSuccess("dpkg -i");
            foreach (string package in Packages)
                Assert.True(Installed(package), $"{package} is not installed after dpkg -i");
            owned = Packages.SelectMany(p => Command.Run("dpkg", ["-L", p]).EnsureSuccess($"dpkg -L {p}").Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries))
                .Where(path => !Directory.Exists(path) || path.Contains("slurmnative", StringComparison.Ordinal)).ToList();
            Assert.Contains("/usr/lib/slurmnative/slurmnative.so", owned);
            Assert.Equal("700", Stat("%a", "/var/lib/slurmnative"));
            Assert.Equal("slurmnative", Stat("%U", "/var/lib/slurmnative"));

            // The whole of the configuration: where the daemon listens, and this cluster's munged and slurm.conf.
            File.AppendAllText("/etc/slurmnative/slurmnative.conf", $"""

                servers = 127.0.0.1:{Port}
                listen = 127.0.0.1:{Port}
                munge_socket = {testbed.Directory}/munge/munge.socket
                slurm_conf = {testbed.Directory}/etc/slurm.conf

                """);
            WithoutDotnet("/usr/lib/slurmnative/slurmnatived-keys").EnsureSuccess("slurmnatived-keys (first start)");
            Assert.Equal("slurmnative 600", Stat("%U %a", "/etc/slurmnative/keys"));
            // As slurmnatived.service runs it: the daemon's own user, the installed configuration.
            Command.Run("/bin/sh", ["-c", $"setsid \"$@\" </dev/null >>{daemonLog} 2>&1 & echo $! > {daemonPid}", "sh",
                .. WithoutDotnetCommand("setpriv", "--reuid=slurmnative", "--regid=slurmnative", "--init-groups", "/usr/sbin/slurmnatived")]).EnsureSuccess("start slurmnatived");
            WaitForPort();
            output.WriteLine(WithoutDotnet("/usr/bin/slurmnative", "ping").EnsureSuccess("slurmnative ping").Output);

            testbed.UsePlugstackLine("required /usr/lib/slurmnative/slurmnative.so default=on");
            testbed.Kinit("alice");
            CommandResult srun = testbed.RunAs("alice", "srun", "-N1", "sh", "-c", "echo cache=$KRB5CCNAME; klist");
            output.WriteLine(srun.Output);
            srun.EnsureSuccess("srun klist");
            Assert.Contains("alice@SLURMNATIVE.TEST", srun.Stdout, StringComparison.Ordinal);
            Assert.Contains("cache=FILE:/tmp/", srun.Stdout, StringComparison.Ordinal);
            Assert.Contains("stored ", File.ReadAllText(daemonLog), StringComparison.Ordinal);

            // The Epilog's sweep, from the installed CLI.
            WithoutDotnet("/usr/bin/slurmnative", "sweep").EnsureSuccess("slurmnative sweep");
        }
        finally
        {
            testbed.UsePlugstackLine($"optional {testbed.PluginPath} default=on");
            if (File.Exists(daemonPid))
            {
                Command.Run("/bin/sh", ["-c", $"kill $(cat {daemonPid}); for i in $(seq 50); do kill -0 $(cat {daemonPid}) 2>/dev/null || exit 0; sleep 0.1; done; kill -9 $(cat {daemonPid})"]);
                File.Delete(daemonPid);
            }
            CommandResult purge = Command.Run("dpkg", ["--purge", .. Packages], TimeSpan.FromMinutes(3));
            output.WriteLine(purge.Output);
            if (!userExisted && Command.Run("getent", ["passwd", "slurmnative"]).ExitCode == 0)
            {
                // Debian policy keeps a package's system user after purge; this machine is shared with other tests.
                Command.Run("deluser", ["--system", "--quiet", "slurmnative"]);
                Command.Run("delgroup", ["--system", "--quiet", "slurmnative"]);
            }
            purge.EnsureSuccess("dpkg --purge");
        }

        foreach (string package in Packages)
            Assert.False(Installed(package), $"{package} is still known to dpkg after --purge");
        string[] left = [.. owned.Where(p => File.Exists(p) || Directory.Exists(p) || new FileInfo(p).LinkTarget is not null),
            .. new[] { "/etc/slurmnative", "/var/lib/slurmnative", "/usr/lib/slurmnative" }.Where(Directory.Exists)];
        Assert.True(left.Length == 0, "left after purge: " + string.Join(", ", left));
    }

    // Inside a new mount namespace: an empty tmpfs over every .NET install, then the program with a bare
    // environment (no DOTNET_ROOT, a PATH without .NET) and the test cluster's krb5.conf.
    private const string HideDotnet =
        "for d in /usr/share/dotnet /usr/lib/dotnet /opt/dotnet /root/.dotnet /etc/dotnet; do [ -d \"$d\" ] && mount -t tmpfs none \"$d\"; done; " +
        "[ ! -e /usr/share/dotnet/dotnet ] || exit 97; " +
        "exec env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin LANG=C.UTF-8 KRB5_CONFIG=\"$KRB5_CONFIG\" \"$@\"";

    private string[] WithoutDotnetCommand(params string[] command) =>
        ["unshare", "-m", "--propagation", "private", "/usr/bin/env", $"KRB5_CONFIG={testbed.Directory}/etc/krb5.conf", "/bin/sh", "-c", HideDotnet, "sh", .. command];

    /// <summary>Runs an installed program where it could only work if it needs no .NET runtime.</summary>
    private CommandResult WithoutDotnet(params string[] command)
    {
        string[] full = WithoutDotnetCommand(command);
        return Command.Run(full[0], full[1..], TimeSpan.FromMinutes(1));
    }

    private static bool Installed(string package) =>
        Command.Run("dpkg-query", ["-W", "-f=${Status}", package]).Stdout.Contains("install ok installed", StringComparison.Ordinal);

    private static string Stat(string format, string path) =>
        Command.Run("stat", ["-c", format, path]).EnsureSuccess($"stat {path}").Stdout.Trim();

    private static void WaitForPort()
    {
        DateTime deadline = DateTime.UtcNow.AddSeconds(20);
        while (DateTime.UtcNow < deadline)
        {
            if (Command.Run("/bin/sh", ["-c", $"ss -Hltn 'sport = :{Port}' | grep -q ."]).ExitCode == 0)
                return;
            Thread.Sleep(100);
        }
        throw new Xunit.Sdk.XunitException($"the installed slurmnatived did not listen on :{Port} within 20 s");
    }
}
