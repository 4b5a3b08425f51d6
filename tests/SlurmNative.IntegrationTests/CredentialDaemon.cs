using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using SlurmNative.Credentials.Client;
using SlurmNative.Credentials.Protocol;
using SlurmNative.Tests.TestSupport;

namespace SlurmNative.IntegrationTests;

/// <summary>
/// A real slurmnatived process on 127.0.0.1, against the testbed's munged and KDC,
/// with its own keys, database and configuration under the testbed directory.
/// </summary>
public sealed class CredentialDaemon : IDisposable
{
    private readonly Testbed testbed;
    private readonly bool hangupIgnored;
    private Process? process;

    public string Directory { get; }
    public string ConfigPath { get; }
    public int Port { get; }
    public string LogPath => Path.Combine(Directory, "daemon.log");
    public string MungeSocket => Path.Combine(testbed.Directory, "munge", "munge.socket");

    public static string BuiltProgram(string project, string name)
    {
        string configuration = AppContext.BaseDirectory.Contains("/Debug/", StringComparison.Ordinal) ? "Debug" : "Release";
        string path = Path.Combine(Repository.Root, "src", project, "bin", configuration, "net10.0", name);
        return File.Exists(path) ? path : throw new InvalidOperationException($"{path} is missing: build the solution ({configuration}) first");
    }

    public static string Cli => BuiltProgram("SlurmNative.Cli", "slurmnative");

    /// <param name="acl">acl.conf's text; null leaves the file out, so the daemon uses its built-in default.</param>
    /// <param name="hangupIgnored">start it as nohup would, with SIGHUP ignored.</param>
    public CredentialDaemon(Testbed testbed, string name, string extraConfig = "", string? acl = null, bool hangupIgnored = false)
    {
        this.testbed = testbed;
        this.hangupIgnored = hangupIgnored;
        Directory = Path.Combine(testbed.Directory, "daemon-" + name);
        if (System.IO.Directory.Exists(Directory))
            System.IO.Directory.Delete(Directory, recursive: true);
        System.IO.Directory.CreateDirectory(Directory);
        File.SetUnixFileMode(Directory, (UnixFileMode)0b111_101_101);
        Port = FreePort();
        ConfigPath = Path.Combine(Directory, "slurmnative.conf");
        File.WriteAllText(ConfigPath, $"""
            servers = 127.0.0.1:{Port}
            listen = 127.0.0.1:{Port}
            database = {Directory}/state/credentials.db
            key_file = {Directory}/keys
            acl_file = {Directory}/acl.conf
            munge_socket = {MungeSocket}
            slurm_conf = {testbed.Directory}/etc/slurm.conf
            client_timeout = 5s
            {extraConfig}
            """);
        File.SetUnixFileMode(ConfigPath, (UnixFileMode)0b110_100_100);
        if (acl is not null)
            File.WriteAllText(Path.Combine(Directory, "acl.conf"), acl);
        Command.Run(Cli, ["--config", ConfigPath, "keygen"]).EnsureSuccess("slurmnative keygen");
        Start();
    }

    public void Start()
    {
        var start = new ProcessStartInfo(BuiltProgram("SlurmNative.Daemon", "slurmnatived"))
        {
            UseShellExecute = false,
            RedirectStandardError = false,
        };
        start.ArgumentList.Add("--config");
        start.ArgumentList.Add(ConfigPath);
        start.ArgumentList.Add("--debug");
        start.Environment["KRB5_CONFIG"] = Path.Combine(testbed.Directory, "etc", "krb5.conf");
        // The daemon's stderr goes to a file the tests can read, as journald would keep it.
        var shell = new ProcessStartInfo("/bin/sh") { UseShellExecute = false };
        shell.ArgumentList.Add("-c");
        // An ignored signal stays ignored across exec, which is how nohup works.
        shell.ArgumentList.Add((hangupIgnored ? "trap '' HUP; " : "") + $"exec \"$0\" \"$@\" 2>>{LogPath}");
        shell.ArgumentList.Add(start.FileName);
        foreach (string argument in start.ArgumentList)
            shell.ArgumentList.Add(argument);
        shell.Environment["KRB5_CONFIG"] = start.Environment["KRB5_CONFIG"];
        shell.Environment["PATH"] = Testbed.SearchPath;
        process = Process.Start(shell) ?? throw new InvalidOperationException("could not start slurmnatived");

        WaitUntilListening(process, Port, "slurmnatived", ReadLog, TimeSpan.FromSeconds(20));
    }

    /// <summary>Returns once <paramref name="port"/> accepts; fails with the log if the process exits or the time runs out.</summary>
    internal static void WaitUntilListening(Process process, int port, string name, Func<string> log, TimeSpan timeout)
    {
        DateTime deadline = DateTime.UtcNow + timeout;
        while (true)
        {
            if (process.HasExited)
                throw new InvalidOperationException($"{name} exited with {process.ExitCode}:\n{log()}");
            try
            {
                using var probe = new TcpClient();
                probe.Connect(IPAddress.Loopback, port);
                return;
            }
            catch (SocketException) when (DateTime.UtcNow < deadline)
            {
                Thread.Sleep(100);
            }
        }
    }

    /// <summary>
    /// The daemon's log so far. Its logger writes from a queue on its own thread, so a line may land a moment after
    /// the reply to the request that caused it: read until the file has stopped growing for a short while.
    /// </summary>
    public string Log
    {
        get
        {
            string text = ReadLog();
            for (int i = 0; i < 20; i++)
            {
                Thread.Sleep(50);
                string again = ReadLog();
                if (again.Length == text.Length)
                    return again;
                text = again;
            }
            return text;
        }
    }

    private string ReadLog() => File.Exists(LogPath) ? File.ReadAllText(LogPath) : "";

    /// <summary>Graceful stop, as systemd would do it.</summary>
    public void Stop()
    {
        if (process is null || process.HasExited)
            return;
        Command.Run("kill", ["-TERM", process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)]);
        if (!process.WaitForExit(10_000))
            process.Kill();
        process.WaitForExit();
    }

    /// <summary>SIGHUP, as systemctl reload sends it: the daemon re-reads its ACL and keys.</summary>
    public void Reload()
    {
        if (process is null || process.HasExited)
            throw new InvalidOperationException("slurmnatived is not running");
        Command.Run("kill", ["-HUP", process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)]).EnsureSuccess("kill -HUP");
    }

    /// <summary>A crash: SIGKILL, no chance to flush anything.</summary>
    public void Crash()
    {
        process?.Kill();
        process?.WaitForExit();
    }

    /// <summary>The CLI as a test user, with this daemon's configuration.</summary>
    public CommandResult CliAs(string user, params string[] arguments) =>
        testbed.RunAs(user, [Cli, "--config", ConfigPath, .. arguments]);

    /// <summary>
    /// A slurmnative.conf for clients of this daemon, readable by the test users: the daemon's own,
    /// with <paramref name="servers"/> tried in order (default: this daemon), each for up to
    /// <paramref name="timeout"/>, and <paramref name="extra"/> lines.
    /// </summary>
    public string ClientConfig(string name, int[]? servers = null, string timeout = "5s", string extra = "")
    {
        string path = Path.Combine(Directory, $"client-{name}.conf");
        string text = File.ReadAllText(ConfigPath)
            .Replace($"servers = 127.0.0.1:{Port}", "servers = " + string.Join(", ", (servers ?? [Port]).Select(p => $"127.0.0.1:{p}")), StringComparison.Ordinal)
            .Replace("client_timeout = 5s", $"client_timeout = {timeout}", StringComparison.Ordinal);
        File.WriteAllText(path, text + extra);
        File.SetUnixFileMode(path, (UnixFileMode)0b110_100_100);
        return path;
    }

    /// <summary>Signs as the test process's own uid (root), for this daemon, which runs as root.</summary>
    public MungeSigner RootSigner(int timeToLive = 60) => new(daemonUid: 0, MungeSocket, timeToLive);

    /// <summary>An in-process client as the test process's own uid (root).</summary>
    public DaemonClient RootClient(int timeToLive = 60) =>
        new([$"127.0.0.1:{Port}"], TimeSpan.FromSeconds(10), RootSigner(timeToLive));

    public async Task<(FrameKind Kind, Reply Reply)> SendRawAsync(byte[] frame, Request request)
    {
        using var socket = new Socket(SocketType.Stream, ProtocolType.Tcp);
        await socket.ConnectAsync(IPAddress.Loopback, Port);
        await using var stream = new NetworkStream(socket);
        await stream.WriteAsync(frame);
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        var answer = await Frame.ReadAsync(stream, timeout.Token) ?? throw new IOException("no answer");
        return (answer.Kind, answer.Kind == FrameKind.SealedReply ? Reply.Open(request, answer.Body) : Reply.DecodePlain(answer.Body));
    }

    public void Dispose()
    {
        Stop();
        process?.Dispose();
    }

    internal static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
