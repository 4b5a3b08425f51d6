using System.CommandLine;
using SlurmNative.Cli;
using SlurmNative.Tests.TestSupport;

namespace SlurmNative.Tests.Cli;

public sealed class SweepCommandTests : IDisposable
{
    private readonly string dir = Directory.CreateTempSubdirectory("slurmnative-sweep-").FullName;

    public void Dispose() => Directory.Delete(dir, recursive: true);

    [RootFact]
    public void The_epilog_sweep_removes_step_ccaches_of_gone_steps_and_nothing_else()
    {
        uint uid = Interop.Libc.getuid();
        string gone = Path.Combine(dir, $"krb5cc_{uid}_slurm4000000001.0");
        string otherUid = Path.Combine(dir, $"krb5cc_{uid + 1}_slurm4000000001.1");
        string unrelated = Path.Combine(dir, "krb5cc_notastep");
        foreach (string f in new[] { gone, otherUid, unrelated })
            File.WriteAllText(f, "x");

        // The sweep reads this machine's /proc: while a slurmstepd of a test cluster is starting (not yet
        // titled), it keeps everything and says so, and a later sweep does the work.
        var output = new StringWriter();
        for (int attempt = 0; ; attempt++)
        {
            var error = new StringWriter();
            var root = new RootCommand { SweepCommand.Create() };
            Assert.Equal(0, root.Parse(["sweep", "--dir", dir]).Invoke(new InvocationConfiguration { Output = output, Error = error }));
            if (!error.ToString().Contains("kept every step ccache", StringComparison.Ordinal) || attempt == 10)
                break;
            Thread.Sleep(100);
        }

        Assert.False(File.Exists(gone));
        Assert.True(File.Exists(otherUid));   // not owned by the uid its name claims: someone else's file
        Assert.True(File.Exists(unrelated));
        Assert.Contains(gone, output.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public void A_missing_directory_is_a_usage_error_that_says_what_to_do()
    {
        var error = new StringWriter();
        var root = new RootCommand { SweepCommand.Create() };
        int code = root.Parse(["sweep", "--dir", Path.Combine(dir, "absent")]).Invoke(new InvocationConfiguration { Output = new StringWriter(), Error = error });
        Assert.Equal(2, code);
        Assert.Contains("--dir", error.ToString(), StringComparison.Ordinal);
    }
}
