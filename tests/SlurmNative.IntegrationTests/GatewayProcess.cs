using System.Diagnostics;
using SlurmNative.Tests.TestSupport;

namespace SlurmNative.IntegrationTests;

/// <summary>
/// slurmnative-gateway as built, started as its own process with a gateway.json written
/// for the test cluster, and stopped (SIGTERM) at the end. Its log is kept for assertions.
/// </summary>
public sealed class GatewayProcess : IDisposable
{
    private readonly Process process;

    public string Directory { get; }
    public int Port { get; }
    public Uri Url => new($"http://127.0.0.1:{Port}/");
    public string LogPath => Path.Combine(Directory, "gateway.log");
    public string Log => File.Exists(LogPath) ? File.ReadAllText(LogPath) : "";

    /// <param name="jwtSection">the "jwt" object's members, e.g. "\"hs256_key\": \"/path\"".</param>
    public GatewayProcess(Testbed testbed, CredentialDaemon daemon, string name, string jwtSection, string extraSettings = "")
    {
        Directory = Path.Combine(testbed.Directory, "gateway-" + name);
        if (System.IO.Directory.Exists(Directory))
            System.IO.Directory.Delete(Directory, recursive: true);
        System.IO.Directory.CreateDirectory(Directory);
        Port = CredentialDaemon.FreePort();
        string config = Path.Combine(Directory, "gateway.json");
        string krb5 = Path.Combine(testbed.Directory, "etc", "krb5.conf");
        File.WriteAllText(config, $$"""
            {
              "listen": "http://127.0.0.1:{{Port}}",
              "slurmrestd": "{{testbed.RestdUrl}}",
              "daemon_config": "{{daemon.ConfigPath}}",
              "modes": { "proxy": true, "issue_tokens": true },
              "jwt": { {{jwtSection}} },
              "login_limits": { "failures_per_user": 3, "failures_per_address": 50, "window": "1m" },
              "max_body_bytes": 16384,
              "groups": { "sn-hpc": { "partitions": ["debug"], "accounts": ["*"], "max_time_minutes": 60 } },
              "job_environment": { "PATH": "/usr/local/bin:/usr/bin:/bin", "KRB5_CONFIG": "{{krb5}}" }
              {{extraSettings}}
            }
            """);
        var shell = new ProcessStartInfo("/bin/sh") { UseShellExecute = false };
        shell.ArgumentList.Add("-c");
        shell.ArgumentList.Add($"exec \"$0\" --config \"$1\" >>{LogPath} 2>&1");
        shell.ArgumentList.Add(CredentialDaemon.BuiltProgram("SlurmNative.Gateway", "slurmnative-gateway"));
        shell.ArgumentList.Add(config);
        shell.Environment["KRB5_CONFIG"] = krb5;
        process = Process.Start(shell) ?? throw new InvalidOperationException("could not start slurmnative-gateway");
        CredentialDaemon.WaitUntilListening(process, Port, "slurmnative-gateway", () => Log, TimeSpan.FromSeconds(30));
    }

    public void Dispose()
    {
        if (!process.HasExited)
        {
            Command.Run("kill", ["-TERM", process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)]);
            if (!process.WaitForExit(10_000))
                process.Kill(entireProcessTree: true);
        }
        process.Dispose();
    }
}
