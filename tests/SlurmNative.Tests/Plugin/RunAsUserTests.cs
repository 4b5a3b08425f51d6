using System.Diagnostics;
using SlurmNative.Tests.TestSupport;

namespace SlurmNative.Tests.Plugin;

/// <summary>
/// native/run_as_user.c, which runs a site's post_refresh program for the plugin: as the user it is
/// given and never root, with the environment it is given, killed at its timeout. Driven by a small C
/// host (as root, like slurmstepd).
/// </summary>
public sealed class RunAsUserTests : IDisposable
{
    private static readonly Lazy<string> Host = new(() => Command.CompileC(
        Path.Combine(Repository.Root, "tests", "SlurmNative.Tests", "Plugin", "run_as_user_host.c"), "run_as_user_host",
        Path.Combine(Repository.Root, "native", "run_as_user.c"), "-I", Path.Combine(Repository.Root, "native")));

    private const string Nobody = "65534";
    private readonly TempDirectory scratch = new();

    public void Dispose() => scratch.Dispose();

    private string Script(string body)
    {
        File.SetUnixFileMode(scratch.Path, (UnixFileMode)0b111_101_101); // nobody must reach the script
        return scratch.Write("hook.sh", "#!/bin/sh\n" + body + "\n", (UnixFileMode)0b111_101_101);
    }

    private static Dictionary<string, string> Run(string program, string uid, int timeoutMs)
    {
        CommandResult result = Command.Run(Host.Value, [program, uid, uid, timeoutMs.ToString(System.Globalization.CultureInfo.InvariantCulture)]).EnsureSuccess("run_as_user_host");
        return result.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => l.Split('=', 2)).ToDictionary(p => p[0], p => p.Length > 1 ? p[1] : "");
    }

    [Fact]
    public void The_program_runs_as_the_user_with_only_the_environment_given_and_its_stderr_comes_back()
    {
        string script = Script("echo \"$(id -u):$(id -g):$(id -G):$KRB5CCNAME:${HOME:-nohome}\" >&2; exit 3");

        var result = Run(script, Nobody, 10_000);

        Assert.Equal("0", result["result"]);
        Assert.Equal(3, int.Parse(result["status"], System.Globalization.CultureInfo.InvariantCulture) >> 8);
        Assert.Equal($"{Nobody}:{Nobody}:{Nobody}:FILE:/tmp/krb5cc_test:nohome", result["output"].Trim());
    }

    [Fact]
    public void It_never_runs_anything_as_root()
    {
        string marker = scratch.File("ran");
        string script = Script($"touch {marker}");

        var result = Run(script, "0", 10_000);

        Assert.Equal("-1", result["result"]); // -EPERM
        Assert.False(File.Exists(marker));
    }

    [Fact]
    public void A_program_that_hangs_is_killed_at_the_timeout_with_what_it_started()
    {
        // Durations no other process here sleeps, to find these two afterwards.
        string first = $"{Random.Shared.Next(100_000, 999_999)}", second = $"{Random.Shared.Next(100_000, 999_999)}";
        string script = Script($"echo started >&2; exec 2>&-; sleep {first} & sleep {second}");
        var clock = Stopwatch.StartNew();

        var result = Run(script, Nobody, 500);

        Assert.Equal("-110", result["result"]); // -ETIMEDOUT
        Assert.Equal("started", result["output"].Trim());
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(10), $"took {clock.Elapsed}");
        Thread.Sleep(200);
        Assert.Equal(1, Command.Run("pgrep", ["-f", $"^sleep ({first}|{second})$"]).ExitCode); // nothing left running
    }
}
