using SlurmNative.Tests.TestSupport;

namespace SlurmNative.Tests.Packaging;

/// <summary>
/// slurmnative-plugin's preinst refuses to install a plugin built for another Slurm release
/// than the slurmd or slurmctld on the host, which would only fail when a job starts. Here
/// the Slurm daemons are small scripts printing what `slurmd -V` prints.
/// </summary>
public sealed class PluginPackagePreinstTests : IDisposable
{
    private static readonly string Preinst = Path.Combine(Repository.Root, "packaging", "slurmnative-plugin.preinst");

    private readonly TempDirectory bin = new();

    public void Dispose() => bin.Dispose();

    private void Daemon(string name, string versionLine) =>
        bin.Write(name, $"#!/bin/sh\necho '{versionLine}'\n", UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);

    private CommandResult Install(string builtFor, string action = "install") =>
        Command.Run("/usr/bin/env", ["-i", $"PATH={bin.Path}:/usr/bin:/bin", $"SLURMNATIVE_SLURM_RELEASE={builtFor}", "/bin/sh", Preinst, action]);

    [Theory]
    [InlineData("install")]
    [InlineData("upgrade")]
    public void Another_release_of_slurmd_refuses_the_install_and_names_the_fix(string action)
    {
        Daemon("slurmd", "slurm 25.05.8");
        CommandResult result = Install("22.05", action);
        Assert.Equal(1, result.ExitCode);
        Assert.Contains("built for Slurm 22.05", result.Stderr, StringComparison.Ordinal);
        Assert.Contains($"{bin.Path}/slurmd is Slurm 25.05", result.Stderr, StringComparison.Ordinal);
        Assert.Contains("./build.sh package --slurm-prefix", result.Stderr, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("slurm-wlm 22.05.8", "22.05")]
    [InlineData("slurm 25.05.8", "25.05")]
    [InlineData("slurm 25.11.0-0rc1", "25.11")]
    public void The_same_release_installs(string versionLine, string builtFor)
    {
        Daemon("slurmctld", versionLine);
        Assert.Equal(0, Install(builtFor).ExitCode);
    }

    [Fact]
    public void With_no_slurm_daemon_to_ask_the_install_goes_ahead()
    {
        Assert.Equal(0, Install("22.05").ExitCode);
    }

    [Fact]
    public void A_daemon_printing_no_version_is_not_taken_for_a_release()
    {
        Daemon("slurmd", "slurmd: fatal: something else");
        Assert.Equal(0, Install("22.05").ExitCode);
    }

    [Fact]
    public void Removal_is_never_refused()
    {
        Daemon("slurmd", "slurm 25.05.8");
        Assert.Equal(0, Install("22.05", "abort-upgrade").ExitCode);
    }
}
