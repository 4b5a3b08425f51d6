using System.Diagnostics;
using SlurmNative.Tests.TestSupport;

namespace SlurmNative.IntegrationTests;

/// <summary>
/// sn-adversary (tests/SlurmNative.Adversary) run as an ordinary test user, with that user's
/// uid, groups and Kerberos ccache and nothing more: a listener where the daemon should be, or
/// a connection flood. Stopped with SIGTERM, so it reports what it saw.
/// </summary>
public sealed class Adversary : IDisposable
{
    private readonly Testbed testbed;
    private readonly Process process;
    private readonly System.Text.StringBuilder output = new();

    public string User { get; }

    /// <summary>Where a listener keeps the requests it received; owned by <see cref="User"/>.</summary>
    public string Directory { get; }

    private Adversary(Testbed testbed, string user, string[] arguments, string readyLine)
    {
        this.testbed = testbed;
        User = user;
        Directory = Path.Combine(testbed.Directory, $"adversary-{user}-{Guid.NewGuid():N}");
        System.IO.Directory.CreateDirectory(Directory);
        Command.Run("chown", [$"{user}:", Directory]).EnsureSuccess("chown");
        File.SetUnixFileMode(Directory, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);

        // setpriv execs in place (runuser would stay as a parent), so SIGTERM reaches the tool itself.
        var start = new ProcessStartInfo("setpriv")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = Directory,
        };
        foreach (string argument in (string[])["--reuid", user, "--regid", user, "--init-groups", "env",
                     $"KRB5_CONFIG={testbed.Directory}/etc/krb5.conf", $"HOME={Directory}", Program, .. arguments])
            start.ArgumentList.Add(argument);
        process = Process.Start(start) ?? throw new InvalidOperationException("could not start sn-adversary");
        var ready = new TaskCompletionSource();
        process.OutputDataReceived += (_, e) =>
        {
            if (e.Data is null)
                return;
            lock (output)
                output.AppendLine(e.Data);
            if (e.Data.StartsWith(readyLine, StringComparison.Ordinal))
                ready.TrySetResult();
        };
        process.ErrorDataReceived += (_, e) =>
        {
            if (e.Data is not null)
                lock (output)
                    output.AppendLine(e.Data);
        };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        if (!ready.Task.Wait(TimeSpan.FromSeconds(30)))
        {
            Dispose();
            throw new InvalidOperationException($"sn-adversary did not print '{readyLine}':\n{Output}");
        }
    }

    public static string Program
    {
        get
        {
            string configuration = AppContext.BaseDirectory.Contains("/Debug/", StringComparison.Ordinal) ? "Debug" : "Release";
            string path = Path.Combine(Repository.Root, "tests", "SlurmNative.Adversary", "bin", configuration, "net10.0", "sn-adversary");
            return File.Exists(path) ? path : throw new InvalidOperationException($"{path} is missing: build the solution ({configuration}) first");
        }
    }

    /// <summary>Binds 127.0.0.1:<paramref name="port"/> as <paramref name="user"/>; <paramref name="answer"/> is close, plain or sealed.</summary>
    public static Adversary Listen(Testbed testbed, string user, int port, string answer) =>
        new(testbed, user, ["listen", "--port", port.ToString(System.Globalization.CultureInfo.InvariantCulture), "--dir", ".", "--answer", answer], "listening on");

    /// <summary>Holds <paramref name="connections"/> connections to the daemon, idle or dripping a byte at a time; returns once all were opened.</summary>
    public static Adversary Flood(Testbed testbed, string user, int port, int connections, string mode) =>
        new(testbed, user, ["flood", "--target", $"127.0.0.1:{port}", "--connections", connections.ToString(System.Globalization.CultureInfo.InvariantCulture), "--mode", mode], "holding");

    public string Output
    {
        get
        {
            lock (output)
                return output.ToString();
        }
    }

    /// <summary>The MUNGE credentials of the requests the listener received, oldest first.</summary>
    public string[] CapturedRequests() =>
        System.IO.Directory.GetFiles(Directory, "request-*.cred").OrderBy(File.GetLastWriteTimeUtc).ToArray();

    /// <summary>unmunge, run by the adversary's user on a captured credential, against the cluster's munged.</summary>
    public CommandResult Unmunge(string credential) =>
        Command.Run("setpriv", ["--reuid", User, "--regid", User, "--init-groups", "unmunge", "-S", Path.Combine(testbed.Directory, "munge", "munge.socket"), "-i", credential]);

    /// <summary>SIGTERM, then what the tool printed, its closing counts included.</summary>
    public string Stop()
    {
        if (!process.HasExited)
        {
            Command.Run("kill", ["-TERM", process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)]);
            if (!process.WaitForExit(10_000))
                process.Kill();
        }
        process.WaitForExit();
        return Output;
    }

    public void Dispose()
    {
        Stop();
        process.Dispose();
        System.IO.Directory.Delete(Directory, recursive: true);
    }
}
