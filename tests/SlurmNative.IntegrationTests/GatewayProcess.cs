using System.Diagnostics;
using System.Text.Json.Nodes;
using SlurmNative.Tests.TestSupport;

namespace SlurmNative.IntegrationTests;

/// <summary>
/// slurmnative-gateway as built, started as its own process with a gateway.json written for the
/// test cluster and stopped (SIGTERM) at the end. It runs as it does in production: as the
/// testbed's <c>slurmnative-gw</c> user (not root), reading the JWT key through the key's group and
/// verifying KDC replies with its own keytab. Its log is kept for assertions.
/// </summary>
public sealed class GatewayProcess : IDisposable
{
    public const string User = "slurmnative-gw";

    private readonly Process process;

    public string Directory { get; }

    /// <summary>The gateway's own pid: sh and setpriv exec it in place.</summary>
    public int ProcessId { get; }
    public int Port { get; }
    public Uri Url => new($"http://127.0.0.1:{Port}/");
    public string LogPath => Path.Combine(Directory, "gateway.log");
    public string Log => File.Exists(LogPath) ? File.ReadAllText(LogPath) : "";

    /// <summary>slurmnatived's ACL for a gateway run as <see cref="User"/>: the shipped etc/acl.conf.</summary>
    public static string Acl => File.ReadAllText(Path.Combine(Repository.Root, "etc", "acl.conf"));

    public static JsonObject DefaultLoginLimits() => new() { ["failures_per_user"] = 3, ["failures_per_address"] = 50, ["window"] = "1m" };

    /// <summary>The "keytab" and "verify_principal" members that verify KDC replies with the testbed's gateway key.</summary>
    public static JsonObject VerifiedKdc(Testbed testbed) =>
        new() { ["keytab"] = testbed.GatewayKeytab, ["verify_principal"] = testbed.GatewayPrincipal };

    /// <param name="jwtSection">the "jwt" object, e.g. { "hs256_key": "/path" }.</param>
    /// <param name="extraSettings">more top-level members.</param>
    /// <param name="kdcSettings">the KDC verification members; default <see cref="VerifiedKdc"/>.</param>
    /// <param name="krb5Config">the krb5.conf the gateway's libkrb5 reads (default: the testbed's, naming its real KDC).</param>
    /// <param name="loginLimits">the "login_limits" object; default <see cref="DefaultLoginLimits"/>.</param>
    /// <param name="slurmrestd">slurmrestd's URL (default: the testbed's).</param>
    public GatewayProcess(Testbed testbed, CredentialDaemon daemon, string name, JsonObject jwtSection, JsonObject? extraSettings = null,
        JsonObject? kdcSettings = null, string? krb5Config = null,
        JsonObject? loginLimits = null, Uri? slurmrestd = null)
    {
        Directory = Path.Combine(testbed.Directory, "gateway-" + name);
        if (System.IO.Directory.Exists(Directory))
            System.IO.Directory.Delete(Directory, recursive: true);
        System.IO.Directory.CreateDirectory(Directory);
        File.SetUnixFileMode(Directory, (UnixFileMode)0b111_101_101);
        Port = CredentialDaemon.FreePort();
        string config = Path.Combine(Directory, "gateway.json");
        string krb5 = Path.Combine(testbed.Directory, "etc", "krb5.conf");
        var settings = new JsonObject
        {
            ["listen"] = $"http://127.0.0.1:{Port}",
            ["slurmrestd"] = $"{slurmrestd ?? testbed.RestdUrl}",
            ["daemon_config"] = daemon.ConfigPath,
            ["modes"] = new JsonObject { ["proxy"] = true, ["issue_tokens"] = true },
            ["jwt"] = jwtSection,
            ["login_limits"] = loginLimits ?? DefaultLoginLimits(),
            ["max_body_bytes"] = 16384,
            ["groups"] = new JsonObject
            {
                ["sn-hpc"] = new JsonObject { ["partitions"] = new JsonArray("debug"), ["accounts"] = new JsonArray("*"), ["max_time_minutes"] = 60 },
            },
            ["job_environment"] = new JsonObject { ["PATH"] = "/usr/local/bin:/usr/bin:/bin", ["KRB5_CONFIG"] = krb5 },
        };
        MoveMembers(kdcSettings ?? VerifiedKdc(testbed), settings);
        MoveMembers(extraSettings, settings);
        File.WriteAllText(config, settings.ToJsonString());
        File.SetUnixFileMode(config, (UnixFileMode)0b110_100_100);
        // The shell (root) opens the log, then setpriv drops to the gateway's user for good.
        var shell = new ProcessStartInfo("/bin/sh") { UseShellExecute = false };
        shell.ArgumentList.Add("-c");
        shell.ArgumentList.Add($"exec setpriv --reuid={User} --regid={User} --init-groups \"$0\" --config \"$1\" >>{LogPath} 2>&1");
        shell.ArgumentList.Add(CredentialDaemon.BuiltProgram("SlurmNative.Gateway", "slurmnative-gateway"));
        shell.ArgumentList.Add(config);
        shell.Environment["KRB5_CONFIG"] = krb5Config ?? krb5;
        process = Process.Start(shell) ?? throw new InvalidOperationException("could not start slurmnative-gateway");
        ProcessId = process.Id;
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

    /// <summary>Moves every member of <paramref name="from"/> into <paramref name="to"/> (a node has one parent).</summary>
    private static void MoveMembers(JsonObject? from, JsonObject to)
    {
        if (from is null)
            return;
        foreach ((string name, JsonNode? value) in from.ToArray())
        {
            from.Remove(name);
            to[name] = value;
        }
    }
}
