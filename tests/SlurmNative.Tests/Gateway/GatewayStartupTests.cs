using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text.Json.Nodes;
using SlurmNative.Gateway.Login;
using SlurmNative.Jwt.Keys;
using SlurmNative.Tests.TestSupport;

namespace SlurmNative.Tests.Gateway;

/// <summary>
/// The built slurmnative-gateway at startup: a gateway that could not tell the realm's KDC from an
/// impostor refuses to start, unless the admin turned the check off, and then says so at every start.
/// </summary>
public sealed class GatewayStartupTests : IDisposable
{
    private readonly TempDirectory dir = new();

    public void Dispose() => dir.Dispose();

    private static string Program
    {
        get
        {
            string configuration = AppContext.BaseDirectory.Contains("/Debug/", StringComparison.Ordinal) ? "Debug" : "Release";
            return Path.Combine(Repository.Root, "src", "SlurmNative.Gateway", "bin", configuration, "net10.0", "slurmnative-gateway");
        }
    }

    /// <param name="kdcSettings">the keytab and KDC check settings of the test, added to a configuration that is otherwise complete.</param>
    private string Config(JsonObject kdcSettings, int port = 6880)
    {
        string key = dir.File("jwt_hs256.key");
        if (!File.Exists(key))
            Hs256KeyFile.Create(key, force: false);
        var config = new JsonObject
        {
            ["listen"] = $"http://127.0.0.1:{port}",
            ["daemon_config"] = dir.File("absent.conf"),
            ["jwt"] = new JsonObject { ["hs256_key"] = key },
            ["groups"] = new JsonObject { ["hpc"] = new JsonObject() },
        };
        foreach ((string name, JsonNode? value) in kdcSettings.ToArray())
        {
            kdcSettings.Remove(name);
            config[name] = value;
        }
        return dir.Write("gateway.json", config.ToJsonString(), UnixFileMode.UserRead | UnixFileMode.UserWrite);
    }

    [Theory]
    [InlineData("--check")]
    [InlineData(null)]
    public void Without_a_keytab_the_gateway_refuses_to_start_and_names_the_fix(string? check)
    {
        string keytab = dir.File("absent.keytab");
        string config = Config(new() { ["keytab"] = keytab, ["verify_principal"] = "slurmnative-gw/gw.test@EXAMPLE.TEST" });
        CommandResult run = Command.Run(Program, check is null ? ["--config", config] : ["--config", config, check], TimeSpan.FromSeconds(60));
        Assert.Equal(2, run.ExitCode);
        Assert.Contains($"the keytab {keytab} does not exist", run.Stderr, StringComparison.Ordinal);
        Assert.Contains("ktadd -k " + keytab + " slurmnative-gw/gw.test@EXAMPLE.TEST", run.Stderr, StringComparison.Ordinal);
        Assert.Contains("\"verify_kdc\": false", run.Stderr, StringComparison.Ordinal);
        Assert.DoesNotContain("listening on", run.Output, StringComparison.Ordinal);
    }

    [Fact]
    public void By_default_the_gateway_wants_host_slash_this_host_in_etc_krb5_keytab()
    {
        Assert.Equal("/etc/krb5.keytab", SlurmNative.Gateway.Configuration.GatewaySettings.Parse(System.Text.Encoding.UTF8.GetBytes(File.ReadAllText(Config(new()))), "gateway.json").Keytab);

        // Whatever this machine's /etc/krb5.keytab holds, the default principal shows in the fix for a missing keytab.
        string keytab = dir.File("missing.keytab");
        CommandResult run = Command.Run(Program, ["--config", Config(new() { ["keytab"] = keytab }, port: 6881), "--check"], TimeSpan.FromSeconds(60));
        Assert.Equal(2, run.ExitCode);
        Assert.Contains($"ktadd -k {keytab} host/{Environment.MachineName.ToLowerInvariant()}", run.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public void A_keytab_without_the_principals_key_is_refused_naming_the_principal()
    {
        string keytab = dir.File("other.keytab");
        TestKeytab.Create(keytab, "host/other.test@EXAMPLE.TEST");
        CommandResult run = Command.Run(Program, ["--config", Config(new() { ["keytab"] = keytab, ["verify_principal"] = "slurmnative-gw/gw.test@EXAMPLE.TEST" }), "--check"], TimeSpan.FromSeconds(60));
        Assert.Equal(2, run.ExitCode);
        Assert.Contains($"the keytab {keytab} holds no key for slurmnative-gw/gw.test@EXAMPLE.TEST", run.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public void With_the_principals_key_check_passes_and_names_it()
    {
        string keytab = dir.File("gw.keytab");
        TestKeytab.Create(keytab, "slurmnative-gw/gw.test@EXAMPLE.TEST", kvno: 4);
        CommandResult run = Command.Run(Program, ["--config", Config(new() { ["keytab"] = keytab, ["verify_principal"] = "slurmnative-gw/gw.test@EXAMPLE.TEST" }), "--check"], TimeSpan.FromSeconds(60));
        Assert.True(run.ExitCode == 0, run.Output);
        Assert.Contains($"KDC replies are verified with slurmnative-gw/gw.test@EXAMPLE.TEST's key in {keytab}", run.Stdout, StringComparison.Ordinal);
        Assert.DoesNotContain("warning", run.Output, StringComparison.Ordinal);
    }

    [Fact]
    public void The_verifier_reads_the_principals_realm_from_the_keytab_entry()
    {
        string keytab = dir.File("gw.keytab");
        TestKeytab.Create(keytab, "slurmnative-gw/gw.test@EXAMPLE.TEST");
        KdcVerifier verifier = KdcVerifier.Open(keytab, "slurmnative-gw/gw.test", "EXAMPLE.TEST");
        Assert.Equal("slurmnative-gw/gw.test@EXAMPLE.TEST", verifier.Principal);
        Assert.Equal(keytab, verifier.Keytab);
    }

    [Fact]
    public void With_verify_kdc_false_check_passes_with_a_warning()
    {
        CommandResult run = Command.Run(Program, ["--config", Config(new() { ["verify_kdc"] = false }), "--check"], TimeSpan.FromSeconds(60));
        Assert.True(run.ExitCode == 0, run.Output);
        Assert.Contains("KDC replies are NOT verified", run.Stdout, StringComparison.Ordinal);
        Assert.Contains("warning: verify_kdc is false", run.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public void With_verify_kdc_false_the_gateway_starts_and_warns_in_its_log()
    {
        int port = FreePort();
        var start = new ProcessStartInfo(Program) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        start.ArgumentList.Add("--config");
        start.ArgumentList.Add(Config(new() { ["verify_kdc"] = false }, port));
        using Process gateway = Process.Start(start) ?? throw new InvalidOperationException("could not start the gateway");
        var output = new System.Text.StringBuilder();
        gateway.OutputDataReceived += (_, e) => { lock (output) output.AppendLine(e.Data); };
        gateway.ErrorDataReceived += (_, e) => { lock (output) output.AppendLine(e.Data); };
        gateway.BeginOutputReadLine();
        gateway.BeginErrorReadLine();
        try
        {
            DateTime deadline = DateTime.UtcNow.AddSeconds(30);
            while (!Logged("listening on") && !gateway.HasExited && DateTime.UtcNow < deadline)
                Thread.Sleep(100);
            Assert.True(Logged("listening on"), $"the gateway did not start:\n{output}");
            Assert.True(Logged("verify_kdc is false: password logins are not checked"), output.ToString());
            Assert.True(Logged("KDC replies NOT verified"), output.ToString());
        }
        finally
        {
            gateway.Kill();
            gateway.WaitForExit();
        }

        bool Logged(string text)
        {
            lock (output)
                return output.ToString().Contains(text, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void The_shipped_unit_runs_the_gateway_as_its_own_user_and_the_shipped_acl_gives_that_user_the_gateway_role_only()
    {
        string[] unit = File.ReadAllLines(Path.Combine(Repository.Root, "etc", "slurmnative-gateway.service"));
        Assert.Contains("User=slurmnative-gw", unit);
        Assert.Contains("Group=slurmnative-gw", unit);
        Assert.Contains("CapabilityBoundingSet=", unit);
        Assert.Contains("NoNewPrivileges=yes", unit);
        Assert.DoesNotContain(unit, line => line.StartsWith("AmbientCapabilities=", StringComparison.Ordinal) && line.Length > "AmbientCapabilities=".Length);

        var acl = SlurmNative.Daemon.Acl.AccessPolicy.Load(Path.Combine(Repository.Root, "etc", "acl.conf"));
        var gateway = new SlurmNative.Daemon.Acl.Caller(990, 990, "slurmnative-gw", new HashSet<string> { "slurmnative-gw" }, IPAddress.Loopback);
        Assert.Equal(SlurmNative.Daemon.Acl.Role.Gateway | SlurmNative.Daemon.Acl.Role.User, acl.RolesOf(gateway));
        Assert.True(acl.Authorize(gateway, SlurmNative.Credentials.Protocol.Operation.Add, 1001).Allowed);
        Assert.False(acl.Authorize(gateway, SlurmNative.Credentials.Protocol.Operation.Get, 1001).Allowed);
        Assert.False(acl.Authorize(gateway with { Address = IPAddress.Parse("192.0.2.7") }, SlurmNative.Credentials.Protocol.Operation.Add, 1001).Allowed);
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
