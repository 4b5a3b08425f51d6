using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using SlurmNative.Credentials.Kerberos;
using SlurmNative.Credentials.Protocol;
using SlurmNative.Tests.TestSupport;
using Xunit.Abstractions;

namespace SlurmNative.IntegrationTests;

/// <summary>
/// The metrics and the audit trail of a real slurmnatived and a real gateway, after real requests
/// through the testbed's munged, KDC and slurmrestd: counts move by exactly what was done, audit
/// lines say who did what from where, and nothing in them is a ticket or a password.
/// </summary>
[Collection(TestbedCollection.Name)]
public sealed class ObservabilityTests(Testbed testbed, ITestOutputHelper output)
{
    private static readonly HttpClient Http = new() { Timeout = TimeSpan.FromSeconds(30) };

    private async Task<Dictionary<string, double>> ScrapeAsync(int port)
    {
        string text = await Http.GetStringAsync(new Uri($"http://127.0.0.1:{port}/metrics"));
        var series = new Dictionary<string, double>(StringComparer.Ordinal);
        foreach (string line in text.Split('\n'))
        {
            if (line.Length == 0 || line[0] == '#')
                continue;
            int space = line.LastIndexOf(' ');
            series[line[..space]] = double.Parse(line[(space + 1)..], CultureInfo.InvariantCulture);
        }
        return series;
    }

    private static double Delta(Dictionary<string, double> before, Dictionary<string, double> after, string series) =>
        after.GetValueOrDefault(series) - before.GetValueOrDefault(series);

    private static string[] AuditLines(string path) =>
        File.Exists(path) ? File.ReadAllLines(path).Select(l => l[(l.IndexOf("]: ", StringComparison.Ordinal) + 3)..]).ToArray() : [];

    /// <summary>Ticket bytes in any form a careless log line could take: raw, base64, hex.</summary>
    private static void AssertHoldsNoTicket(string path, byte[] ccacheFile, byte[] ticket)
    {
        byte[] raw = File.ReadAllBytes(path);
        string text = Encoding.UTF8.GetString(raw);
        Assert.DoesNotContain(Convert.ToBase64String(ccacheFile), text);
        Assert.DoesNotContain(Convert.ToBase64String(ticket), text);
        // Any 24-byte window of the ticket, base64 of it or hex of it, is something no audit line has reason to hold.
        for (int at = 0; at + 24 <= ticket.Length; at += 24)
        {
            byte[] window = ticket[at..(at + 24)];
            Assert.Equal(-1, raw.AsSpan().IndexOf(window));
            Assert.DoesNotContain(Convert.ToBase64String(window), text);
            Assert.DoesNotContain(Convert.ToHexString(window), text, StringComparison.OrdinalIgnoreCase);
        }
    }

    [Fact]
    public async Task The_daemon_counts_and_audits_an_upload_fetches_a_refusal_and_a_replay_and_its_reloads()
    {
        int metricsPort = CredentialDaemon.FreePort();
        string audit = Path.Combine(testbed.Directory, "daemon-observed", "audit.log");
        using var daemon = new CredentialDaemon(testbed, "observed", $"metrics_listen = 127.0.0.1:{metricsPort}\naudit = file:{audit}");
        uint alice = testbed.UidOf("alice"), bob = testbed.UidOf("bob");
        testbed.Kinit("alice");
        var before = await ScrapeAsync(metricsPort);

        daemon.CliAs("alice", "add").EnsureSuccess("alice add");
        daemon.CliAs("alice", "get", "-c", "MEMORY:mine").EnsureSuccess("alice get");
        string fetched = Path.Combine(daemon.Directory, "root-fetched");
        Command.Run(CredentialDaemon.Cli, ["--config", daemon.ConfigPath, "get", "--user", "alice", "-c", "FILE:" + fetched]).EnsureSuccess("root get");
        Assert.Equal(1, daemon.CliAs("bob", "get", "--user", "alice", "-c", "MEMORY:stolen").ExitCode);
        var ping = Request.Create(Operation.Ping);
        byte[] frame = Frame.Encode(FrameKind.Request, daemon.RootSigner().Sign(ping.Encode()));
        await daemon.SendRawAsync(frame, ping);
        var replay = await daemon.SendRawAsync(frame, ping);
        Assert.Equal(ReplyStatus.Unauthenticated, replay.Reply.Status);

        var after = await ScrapeAsync(metricsPort);
        Assert.Equal(1, Delta(before, after, "slurmnatived_requests_total{operation=\"add\",outcome=\"ok\"}"));
        Assert.Equal(2, Delta(before, after, "slurmnatived_requests_total{operation=\"get\",outcome=\"ok\"}"));
        Assert.Equal(1, Delta(before, after, "slurmnatived_requests_total{operation=\"get\",outcome=\"forbidden\"}"));
        Assert.Equal(1, Delta(before, after, "slurmnatived_requests_total{operation=\"ping\",outcome=\"ok\"}"));
        Assert.Equal(3, Delta(before, after, "slurmnatived_request_duration_seconds_count{operation=\"get\"}"));
        Assert.Equal(1, Delta(before, after, "slurmnatived_munge_errors_total"));
        Assert.Equal(0, Delta(before, after, "slurmnatived_connections_refused_total"));
        Assert.Equal(1, after["slurmnatived_credentials_stored"]);
        Assert.Equal(1, after["slurmnatived_credentials_time_left{le=\"+Inf\"}"]);
        Assert.Equal(1, after["slurmnatived_credentials_time_left{le=\"86400\"}"]); // kinit's default life is 10 h or less
        Assert.Equal(0, after["slurmnatived_credentials_time_left{le=\"0\"}"]);
        string[] key = File.ReadAllLines(Path.Combine(daemon.Directory, "keys")).First(l => l.Length > 0 && l[0] != '#').Split(' ');
        string keyId = key[0];
        Assert.Equal(1, after[$"slurmnatived_keys_loaded{{key_id=\"{keyId}\",primary=\"true\"}}"]);
        Assert.Equal(1, after[$"slurmnatived_credentials_by_key{{key_id=\"{keyId}\"}}"]);

        daemon.Reload();
        DateTime deadline = DateTime.UtcNow.AddSeconds(10);
        while (!AuditLines(audit).Any(l => l.Contains("when=sighup", StringComparison.Ordinal) && l.StartsWith("action=key_reload", StringComparison.Ordinal)) && DateTime.UtcNow < deadline)
            Thread.Sleep(100);

        string[] lines = AuditLines(audit);
        foreach (string line in lines)
            output.WriteLine(line);
        Assert.Contains($"action=key_reload outcome=ok file={daemon.Directory}/keys primary={keyId} key_ids={keyId} when=start", lines);
        Assert.Single(lines, l => l.StartsWith($"action=acl_reload outcome=ok file={daemon.Directory}/acl.conf rules=", StringComparison.Ordinal) && l.EndsWith(" when=start", StringComparison.Ordinal));
        Assert.Contains($"action=store outcome=ok uid={alice} target_uid={alice} source=127.0.0.1 keep=no", lines);
        Assert.Contains($"action=fetch outcome=released uid={alice} target_uid={alice} source=127.0.0.1 job=none", lines);
        Assert.Contains($"action=fetch outcome=released uid=0 target_uid={alice} source=127.0.0.1 job=none", lines);
        Assert.Single(lines, l => l.StartsWith($"action=fetch outcome=refused uid={bob} target_uid={alice} source=127.0.0.1 job=none status=forbidden reason=", StringComparison.Ordinal));
        Assert.Single(lines, l => l.StartsWith("action=request outcome=refused source=127.0.0.1 status=unauthenticated reason=", StringComparison.Ordinal) && l.Contains("replay", StringComparison.OrdinalIgnoreCase));
        Assert.Contains($"action=key_reload outcome=ok file={daemon.Directory}/keys primary={keyId} key_ids={keyId} when=sighup", lines);
        Assert.Contains(lines, l => l.StartsWith("action=acl_reload outcome=ok", StringComparison.Ordinal) && l.EndsWith("when=sighup", StringComparison.Ordinal));
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(audit));

        AssertHoldsNoTicket(audit, File.ReadAllBytes(fetched), KerberosTickets.ReadTicketGrantingTicket("FILE:" + fetched));
        Assert.DoesNotContain(key[1], File.ReadAllText(audit));
    }

    [Fact]
    public async Task The_daemon_counts_the_idle_connections_it_closes_to_make_room()
    {
        const int limit = 4, opened = 10;
        int metricsPort = CredentialDaemon.FreePort();
        using var daemon = new CredentialDaemon(testbed, "evicting",
            $"metrics_listen = 127.0.0.1:{metricsPort}\nmax_waiting_per_host = {limit}\nframe_timeout = 30s");
        var before = await ScrapeAsync(metricsPort);

        // An attacker's idle connections from one address: each past the limit closes that address's oldest.
        var idle = new List<Socket>();
        try
        {
            for (int i = 0; i < opened; i++)
            {
                var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
                await socket.ConnectAsync(IPAddress.Loopback, daemon.Port);
                idle.Add(socket);
                // Connections made microseconds apart may reach accept(2) swapped; apart, they keep their order.
                await Task.Delay(20);
            }
            bool[] closed = await Task.WhenAll(idle.Select(async socket =>
            {
                // A closed socket answers at once; only the ones that must stay open use the whole wait.
                using var wait = new CancellationTokenSource(TimeSpan.FromSeconds(3));
                try
                {
                    return await socket.ReceiveAsync(new byte[16], SocketFlags.None, wait.Token) == 0;
                }
                catch (OperationCanceledException)
                {
                    return false;
                }
                catch (SocketException)
                {
                    return true; // reset: closed all the same
                }
            }));
            Assert.Equal(Enumerable.Repeat(true, opened - limit).Concat(Enumerable.Repeat(false, limit)), closed);

            var after = await ScrapeAsync(metricsPort);
            Assert.Equal(opened - limit, Delta(before, after, "slurmnatived_connections_evicted_total"));
            Assert.Equal(0, Delta(before, after, "slurmnatived_connections_refused_total"));
        }
        finally
        {
            idle.ForEach(s => s.Dispose());
        }
        Assert.Equal(0, daemon.CliAs("alice", "ping").ExitCode);
    }

    [Fact]
    public void Audit_lines_reach_a_journal_socket_with_the_fixed_identifier()
    {
        string socketPath = Path.Combine(testbed.Directory, "observed-journal.socket");
        File.Delete(socketPath);
        using var journal = new Socket(AddressFamily.Unix, SocketType.Dgram, ProtocolType.Unspecified);
        journal.Bind(new UnixDomainSocketEndPoint(socketPath));
        journal.ReceiveTimeout = 10_000;
        using var daemon = new CredentialDaemon(testbed, "journal", $"audit = journal:{socketPath}");
        testbed.Kinit("carol");

        daemon.CliAs("carol", "add").EnsureSuccess("carol add");

        var buffer = new byte[65536];
        string? store = null;
        while (store is null)
        {
            string datagram = Encoding.UTF8.GetString(buffer, 0, journal.Receive(buffer));
            if (datagram.Contains("SLURMNATIVE_ACTION\n", StringComparison.Ordinal) && datagram.Contains("action=store", StringComparison.Ordinal))
                store = datagram;
        }
        Assert.Contains("SYSLOG_IDENTIFIER\n", store);
        Assert.Contains("slurmnative-audit", store);
        Assert.Contains($"action=store outcome=ok uid={testbed.UidOf("carol")} target_uid={testbed.UidOf("carol")} source=127.0.0.1", store);
    }

    [Fact]
    public async Task The_gateway_counts_and_audits_a_failed_and_a_successful_login_and_a_minted_token()
    {
        testbed.StartRestd();
        int metricsPort = CredentialDaemon.FreePort();
        // The gateway runs as its own user: its audit file lives in a directory that user owns.
        string auditDirectory = Path.Combine(testbed.Directory, "gateway-observed-audit");
        if (Directory.Exists(auditDirectory))
            Directory.Delete(auditDirectory, recursive: true);
        Directory.CreateDirectory(auditDirectory);
        Command.Run("chown", [$"{GatewayProcess.User}:{GatewayProcess.User}", auditDirectory]).EnsureSuccess("chown");
        string audit = Path.Combine(auditDirectory, "audit.log");
        string daemonAudit = Path.Combine(testbed.Directory, "daemon-gw-observed", "audit.log");
        using var daemon = new CredentialDaemon(testbed, "gw-observed", $"audit = file:{daemonAudit}", acl: GatewayProcess.Acl);
        using var gateway = new GatewayProcess(testbed, daemon, "observed", new JsonObject { ["hs256_key"] = Path.Combine(testbed.Directory, "etc", "jwt_hs256.key") },
            extraSettings: new JsonObject { ["metrics_listen"] = $"127.0.0.1:{metricsPort}", ["audit"] = $"file:{audit}" });
        var before = await ScrapeAsync(metricsPort);

        string wrong = "not-" + testbed.Password("bob");
        using (var failed = await Http.PostAsync(new Uri(gateway.Url, "api/v1/login"), Json(new() { ["username"] = "bob", ["password"] = wrong })))
            Assert.Equal(HttpStatusCode.Unauthorized, failed.StatusCode);
        string session;
        using (var ok = await Http.PostAsync(new Uri(gateway.Url, "api/v1/login"), Json(new() { ["username"] = "alice", ["password"] = testbed.Password("alice") })))
        {
            Assert.Equal(HttpStatusCode.OK, ok.StatusCode);
            session = JsonDocument.Parse(await ok.Content.ReadAsStringAsync()).RootElement.GetProperty("session").GetString()!;
        }
        string jwt;
        using (var request = new HttpRequestMessage(HttpMethod.Post, new Uri(gateway.Url, "api/v1/token")))
        {
            request.Headers.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", session);
            using var minted = await Http.SendAsync(request);
            Assert.Equal(HttpStatusCode.OK, minted.StatusCode);
            jwt = JsonDocument.Parse(await minted.Content.ReadAsStringAsync()).RootElement.GetProperty("token").GetString()!;
        }

        var after = await ScrapeAsync(metricsPort);
        Assert.Equal(1, Delta(before, after, "slurmnative_gateway_logins_total{outcome=\"bad_credentials\"}"));
        Assert.Equal(1, Delta(before, after, "slurmnative_gateway_logins_total{outcome=\"ok\"}"));
        Assert.Equal(1, Delta(before, after, "slurmnative_gateway_tokens_minted_total{purpose=\"issued\"}"));
        Assert.Equal(1, Delta(before, after, "slurmnative_gateway_requests_total{route=\"/api/v1/login\",status=\"401\"}"));
        Assert.Equal(1, Delta(before, after, "slurmnative_gateway_requests_total{route=\"/api/v1/login\",status=\"200\"}"));
        Assert.Equal(1, Delta(before, after, "slurmnative_gateway_requests_total{route=\"/api/v1/token\",status=\"200\"}"));
        Assert.Equal(1, after["slurmnative_gateway_sessions"]);

        string[] lines = AuditLines(audit);
        foreach (string line in lines)
            output.WriteLine(line);
        Assert.Single(lines, l => l.StartsWith("action=login outcome=refused user=bob source=127.0.0.1 status=bad_credentials reason=", StringComparison.Ordinal));
        Assert.Contains($"action=login outcome=ok user=alice uid={testbed.UidOf("alice")} source=127.0.0.1 principal=alice@SLURMNATIVE.TEST", lines);
        Assert.Contains("action=token outcome=minted user=alice purpose=issued lifespan_s=600 source=127.0.0.1", lines);
        string text = File.ReadAllText(audit);
        Assert.DoesNotContain(testbed.Password("alice"), text);
        Assert.DoesNotContain(wrong, text);
        Assert.DoesNotContain(session, text);
        Assert.DoesNotContain(jwt.Split('.')[2], text);

        // The daemon audited the gateway's upload of alice's ticket, as the gateway's uid.
        Assert.Contains($"action=store outcome=ok uid={testbed.UidOf(GatewayProcess.User)} target_uid={testbed.UidOf("alice")} source=127.0.0.1 keep=no", AuditLines(daemonAudit));
    }

    private static StringContent Json(Dictionary<string, string> members) =>
        new(JsonSerializer.Serialize(members), Encoding.UTF8, "application/json");
}
