using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using SlurmNative.Credentials.Protocol;
using SlurmNative.Jwt.Keys;
using SlurmNative.Jwt.Tokens;
using SlurmNative.Tests.TestSupport;
using Xunit.Abstractions;

namespace SlurmNative.IntegrationTests;

/// <summary>
/// slurmnative-gateway against the real cluster: the KDC checks passwords, slurmnatived
/// stores the tickets, slurmrestd (auth/jwt) and slurmctld take the jobs, and the plugin
/// in slurmstepd installs the ticket the gateway stored.
/// </summary>
[Collection(TestbedCollection.Name)]
public sealed class GatewayTests(Testbed testbed, ITestOutputHelper output)
{
    private const string Realm = "SLURMNATIVE.TEST";
    private static readonly HttpClient Http = new() { Timeout = TimeSpan.FromSeconds(60) };

    private string HsKey => Path.Combine(testbed.Directory, "etc", "jwt_hs256.key");

    /// <summary>A credential daemon and a gateway using it, stopped together.</summary>
    private sealed record GatewayRun(CredentialDaemon Daemon, GatewayProcess Gateway) : IDisposable
    {
        public void Dispose()
        {
            Gateway.Dispose();
            Daemon.Dispose();
        }
    }

    private JsonObject HsJwt => new() { ["hs256_key"] = HsKey };

    private GatewayRun Start(string name, JsonObject? jwtSection = null, JsonObject? loginLimits = null, Uri? slurmrestd = null, string? acl = null)
    {
        testbed.StartRestd();
        testbed.WaitForIdleNodes(TimeSpan.FromSeconds(30));
        var daemon = new CredentialDaemon(testbed, "gw-" + name, acl: acl ?? GatewayProcess.Acl);
        testbed.UsePlugstackLine($"required {testbed.PluginPath} default=on config={daemon.ConfigPath}");
        try
        {
            return new GatewayRun(daemon, new GatewayProcess(testbed, daemon, name, jwtSection ?? HsJwt,
                loginLimits: loginLimits, slurmrestd: slurmrestd));
        }
        catch
        {
            daemon.Dispose();
            throw;
        }
    }

    private async Task<(HttpStatusCode Status, JsonDocument Body)> PostAsync(GatewayProcess gateway, string path, string json, string? session = null)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, new Uri(gateway.Url, path)) { Content = new StringContent(json, Encoding.UTF8, "application/json") };
        if (session is not null)
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", session);
        return await SendAsync(request);
    }

    private async Task<(HttpStatusCode Status, JsonDocument Body)> SendAsync(HttpRequestMessage request)
    {
        using HttpResponseMessage response = await Http.SendAsync(request);
        string text = await response.Content.ReadAsStringAsync();
        output.WriteLine($"{request.Method} {request.RequestUri!.PathAndQuery} -> {(int)response.StatusCode} {text}");
        return (response.StatusCode, JsonDocument.Parse(text.Length == 0 ? "{}" : text));
    }

    private async Task<string> LoginAsync(GatewayProcess gateway, string user)
    {
        var (status, body) = await PostAsync(gateway, "api/v1/login", Login(user, testbed.Password(user)));
        Assert.Equal(HttpStatusCode.OK, status);
        return body.RootElement.GetProperty("session").GetString()!;
    }

    private static string Login(string user, string password) =>
        JsonSerializer.Serialize(new Dictionary<string, string> { ["username"] = user, ["password"] = password });

    private bool DaemonHolds(CredentialDaemon daemon, string user) =>
        daemon.RootClient().Send(Request.Create(Operation.Get, testbed.UidOf(user))).Status == ReplyStatus.Ok;

    private string[] QueuedJobsOf(string user) =>
        testbed.RunAs("root", "squeue", "-h", "-u", user, "-o", "%A").Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries);

    private string WaitForJobOutput(string job, string path)
    {
        DateTime deadline = DateTime.UtcNow.AddSeconds(60);
        while (testbed.RunAs("root", "squeue", "-h", "-j", job).Stdout.Trim().Length > 0 && DateTime.UtcNow < deadline)
            Thread.Sleep(300);
        string text = File.Exists(path) ? File.ReadAllText(path) : "(no output file)";
        File.Delete(path);
        output.WriteLine(text);
        return text;
    }

    /// <summary>Posts a job that must be refused with <paramref name="expected"/>; alice's queue must not change.</summary>
    private async Task<string> AssertRefusedJob(GatewayProcess gateway, string session, string body, HttpStatusCode expected)
    {
        string[] before = QueuedJobsOf("alice");
        var (status, reply) = await PostAsync(gateway, "api/v1/jobs", body, session);
        Assert.Equal(expected, status);
        string error = reply.RootElement.GetProperty("error").GetString() ?? "";
        Assert.False(string.IsNullOrWhiteSpace(error));
        Assert.Equal(before, QueuedJobsOf("alice"));
        return error;
    }

    [Fact]
    public async Task Alice_logs_in_with_her_password_and_her_gateway_job_runs_klist_with_her_ticket()
    {
        using GatewayRun run = Start("klist");
        var (daemon, gateway) = run;
        string session = await LoginAsync(gateway, "alice");
        Assert.True(DaemonHolds(daemon, "alice"));

        string outFile = $"/tmp/slurmnative-gw-{Guid.NewGuid():N}.out";
        string job = JsonSerializer.Serialize(new Dictionary<string, object>
        {
            ["script"] = "#!/bin/sh\nklist\n",
            ["name"] = "gw-klist",
            ["working_directory"] = "/tmp",
            ["output"] = outFile,
            ["time_limit_minutes"] = 5,
        });
        var (status, body) = await PostAsync(gateway, "api/v1/jobs", job, session);
        Assert.Equal(HttpStatusCode.Created, status);
        string id = body.RootElement.GetProperty("job_id").GetInt64().ToString(System.Globalization.CultureInfo.InvariantCulture);
        Assert.Contains($"UserId=alice({testbed.UidOf("alice")})", testbed.RunAs("root", "scontrol", "show", "job", id).Stdout, StringComparison.Ordinal);

        string klist = WaitForJobOutput(id, outFile);
        Assert.Contains($"Default principal: alice@{Realm}", klist, StringComparison.Ordinal);
        Assert.Contains($"krbtgt/{Realm}@{Realm}", klist, StringComparison.Ordinal);
        // State and exit code as slurmrestd's data parser shapes them (a string and a number
        // up to v0.0.40, an array and an object after), read back through the gateway.
        JsonElement shown = default;
        for (var until = DateTime.UtcNow.AddSeconds(30); DateTime.UtcNow < until; await Task.Delay(500))
        {
            using var show = new HttpRequestMessage(HttpMethod.Get, new Uri(gateway.Url, $"api/v1/jobs/{id}"));
            show.Headers.Authorization = new AuthenticationHeaderValue("Bearer", session);
            var (shownStatus, shownBody) = await SendAsync(show);
            Assert.Equal(HttpStatusCode.OK, shownStatus);
            shown = shownBody.RootElement.Clone();
            if (shown.GetProperty("state").GetString() == "COMPLETED")
                break;
        }
        Assert.Equal("COMPLETED", shown.GetProperty("state").GetString());
        Assert.Equal(0, shown.GetProperty("exit_code").GetInt64());
        Assert.DoesNotContain("password", gateway.Log, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain(testbed.Password("alice"), gateway.Log, StringComparison.Ordinal);
        // As the unit file runs it: its own user, not root, with the daemon's gateway role.
        Assert.Equal(testbed.UidOf(GatewayProcess.User), UidOfProcess(gateway.ProcessId));
        Assert.Contains($"verified with {testbed.GatewayPrincipal} from {testbed.GatewayKeytab}", gateway.Log, StringComparison.Ordinal);
    }

    private static uint UidOfProcess(int pid)
    {
        string line = File.ReadLines($"/proc/{pid}/status").First(l => l.StartsWith("Uid:", StringComparison.Ordinal));
        return uint.Parse(line.Split('\t', StringSplitOptions.RemoveEmptyEntries)[1], System.Globalization.CultureInfo.InvariantCulture);
    }

    private static string ErrorOf(JsonDocument body) => body.RootElement.GetProperty("error").GetString() ?? "";

    [Fact]
    public async Task A_gateway_answered_by_a_rogue_kdc_refuses_its_password_and_the_real_kdc_still_logs_in()
    {
        using GatewayRun run = Start("kdc-real");
        var (daemon, real) = run;
        string rogueKrb5 = testbed.StartRogueKdc();
        try
        {
            string roguePassword = testbed.RoguePassword("alice");
            Assert.NotEqual(testbed.Password("alice"), roguePassword);

            // The attack, on a gateway that does not verify: the impostor's password for bob logs him in.
            using (var unverified = new GatewayProcess(testbed, daemon, "kdc-unverified", HsJwt, kdcSettings: new JsonObject { ["verify_kdc"] = false }, krb5Config: rogueKrb5))
            {
                var (status, _) = await PostAsync(unverified, "api/v1/login", Login("bob", testbed.RoguePassword("bob")));
                Assert.Equal(HttpStatusCode.OK, status);
                Assert.Contains("verify_kdc is false", unverified.Log, StringComparison.Ordinal);
            }

            // The same gateway verifying with its keytab: the impostor cannot make a ticket its key opens.
            using var verified = new GatewayProcess(testbed, daemon, "kdc-rogue", HsJwt, krb5Config: rogueKrb5);
            var (refused, body) = await PostAsync(verified, "api/v1/login", Login("alice", roguePassword));
            Assert.Equal(HttpStatusCode.BadGateway, refused);
            Assert.Contains("could not confirm that the Kerberos KDC is genuine", ErrorOf(body), StringComparison.Ordinal);
            Assert.False(DaemonHolds(daemon, "alice"));
            output.WriteLine(verified.Log);
            Assert.Contains("could not be proven genuine", verified.Log, StringComparison.Ordinal);
            Assert.DoesNotContain(roguePassword, verified.Log, StringComparison.Ordinal);
            var (wrong, _) = await PostAsync(verified, "api/v1/login", Login("alice", testbed.Password("alice")));
            Assert.Equal(HttpStatusCode.Unauthorized, wrong);
            Assert.False(DaemonHolds(daemon, "alice"));
        }
        finally
        {
            testbed.StopRogueKdc();
        }

        await LoginAsync(real, "alice");
        Assert.True(DaemonHolds(daemon, "alice"));
    }

    [Fact]
    public async Task Two_hundred_parallel_wrong_passwords_for_one_user_reach_the_kdc_at_most_failures_per_user_times()
    {
        using GatewayRun run = Start("parallel-guesses");
        GatewayProcess gateway = run.Gateway;
        // How many AS requests one password exchange makes here (two with pre-authentication), measured with carol.
        long mark = new FileInfo(testbed.KdcLogPath).Length;
        var (one, _) = await PostAsync(gateway, "api/v1/login", Login("carol", "not-" + testbed.Password("carol")));
        Assert.Equal(HttpStatusCode.Unauthorized, one);
        int perExchange = await AsRequestsSinceAsync(mark, "carol");
        Assert.InRange(perExchange, 1, 2);

        mark = new FileInfo(testbed.KdcLogPath).Length;
        // Two spellings of one name: the name service's and Kerberos's budgets are the same one.
        HttpStatusCode[] statuses = await Task.WhenAll(Enumerable.Range(0, 200).Select(i =>
            StatusOfAsync(gateway, Login(i % 2 == 0 ? "bob" : "Bob", $"guess-{i}"))));
        int kdcRequests = await AsRequestsSinceAsync(mark, "bob");
        output.WriteLine($"200 parallel guesses: {statuses.Count(s => s == HttpStatusCode.Unauthorized)} x 401, " +
            $"{statuses.Count(s => s == HttpStatusCode.TooManyRequests)} x 429; {kdcRequests} AS requests for bob at the KDC ({perExchange} per exchange)");
        Assert.All(statuses, s => Assert.True(s is HttpStatusCode.Unauthorized or HttpStatusCode.TooManyRequests, $"unexpected {s}"));
        Assert.InRange(statuses.Count(s => s == HttpStatusCode.Unauthorized), 1, 3);
        Assert.InRange(kdcRequests, perExchange, 3 * perExchange);

        // The budget is spent for every spelling, even with the right password.
        var (after, body) = await PostAsync(gateway, "api/v1/login", Login("BOB", testbed.Password("bob")));
        Assert.Equal(HttpStatusCode.TooManyRequests, after);
        Assert.Contains("too many failed logins", ErrorOf(body), StringComparison.Ordinal);
        Assert.False(DaemonHolds(run.Daemon, "bob"));
    }

    private async Task<HttpStatusCode> StatusOfAsync(GatewayProcess gateway, string json)
    {
        using var content = new StringContent(json, Encoding.UTF8, "application/json");
        using HttpResponseMessage response = await Http.PostAsync(new Uri(gateway.Url, "api/v1/login"), content);
        return response.StatusCode;
    }

    /// <summary>AS requests for <paramref name="user"/>@REALM (any case) the real KDC logged after byte <paramref name="mark"/> of its log.</summary>
    private async Task<int> AsRequestsSinceAsync(long mark, string user)
    {
        // The KDC writes its line as it answers; give the last answer's line a moment to land.
        await Task.Delay(500);
        using var stream = new FileStream(testbed.KdcLogPath, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
        stream.Seek(mark, SeekOrigin.Begin);
        string added = await new StreamReader(stream).ReadToEndAsync();
        return added.Split('\n').Count(line => line.Contains("AS_REQ", StringComparison.Ordinal)
            && line.Contains($" {user}@{Realm} for ", StringComparison.OrdinalIgnoreCase));
    }

    [Fact]
    public async Task An_expired_or_locked_account_looks_like_a_wrong_password_until_the_password_is_proven()
    {
        using GatewayRun run = Start("account-state", loginLimits: new JsonObject { ["failures_per_user"] = 20, ["failures_per_address"] = 50, ["window"] = "1m" });
        GatewayProcess gateway = run.Gateway;
        try
        {
            testbed.Kadmin("modprinc -pwexpire yesterday carol");
            var (wrong, wrongBody) = await PostAsync(gateway, "api/v1/login", Login("carol", "not-" + testbed.Password("carol")));
            Assert.Equal(HttpStatusCode.Unauthorized, wrong);
            Assert.Equal("wrong user name or password", ErrorOf(wrongBody));
            // Proven with a kadmin/changepw ticket, the password may be told it has expired.
            var (right, rightBody) = await PostAsync(gateway, "api/v1/login", Login("carol", testbed.Password("carol")));
            Assert.Equal(HttpStatusCode.Unauthorized, right);
            Assert.Contains("your password has expired", ErrorOf(rightBody), StringComparison.Ordinal);
            testbed.Kadmin("modprinc -pwexpire never carol");

            // The KDC refuses a locked account before it checks the password: both look alike.
            testbed.Kadmin("modprinc +disallow_all_tix carol");
            var (lockedWrong, lockedWrongBody) = await PostAsync(gateway, "api/v1/login", Login("carol", "not-" + testbed.Password("carol")));
            var (lockedRight, lockedRightBody) = await PostAsync(gateway, "api/v1/login", Login("carol", testbed.Password("carol")));
            Assert.Equal(HttpStatusCode.Unauthorized, lockedWrong);
            Assert.Equal(HttpStatusCode.Unauthorized, lockedRight);
            Assert.Equal("wrong user name or password", ErrorOf(lockedWrongBody));
            Assert.Equal(ErrorOf(lockedWrongBody), ErrorOf(lockedRightBody));
            Assert.Contains("locked or disabled", gateway.Log, StringComparison.Ordinal);
        }
        finally
        {
            testbed.Kadmin("modprinc -pwexpire never -disallow_all_tix carol");
        }
    }

    [Fact]
    public async Task A_daemon_refusal_reaches_the_client_without_its_uids_and_roles()
    {
        // No gateway role: the daemon refuses to store, and says which uid may not do what for which uid.
        using GatewayRun run = Start("no-role", acl: "admin uid=0\nnode user=slurm\nuser *\n");
        var (status, body) = await PostAsync(run.Gateway, "api/v1/login", Login("alice", testbed.Password("alice")));
        Assert.Equal(HttpStatusCode.BadGateway, status);
        string error = ErrorOf(body);
        Assert.Contains("refused to store your ticket", error, StringComparison.Ordinal);
        foreach (string secret in new[] { "uid", "role", testbed.UidOf("alice").ToString(System.Globalization.CultureInfo.InvariantCulture),
            testbed.UidOf(GatewayProcess.User).ToString(System.Globalization.CultureInfo.InvariantCulture) })
            Assert.DoesNotContain(secret, error, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("may not add the credential of uid", run.Gateway.Log, StringComparison.Ordinal);
        Assert.False(DaemonHolds(run.Daemon, "alice"));
    }

    [Fact]
    public async Task An_unreachable_slurmrestd_is_a_503_that_does_not_name_its_address()
    {
        int deadPort = CredentialDaemon.FreePort();
        using GatewayRun run = Start("dead-restd", slurmrestd: new Uri($"http://127.0.0.1:{deadPort}/"));
        string session = await LoginAsync(run.Gateway, "alice");
        var (status, body) = await PostAsync(run.Gateway, "api/v1/jobs", "{\"script\":\"#!/bin/sh\\ntrue\\n\",\"time_limit_minutes\":1}", session);
        Assert.Equal(HttpStatusCode.ServiceUnavailable, status);
        string error = ErrorOf(body);
        Assert.Contains("slurmrestd) is unreachable", error, StringComparison.Ordinal);
        Assert.DoesNotContain("127.0.0.1", error, StringComparison.Ordinal);
        Assert.DoesNotContain(deadPort.ToString(System.Globalization.CultureInfo.InvariantCulture), error, StringComparison.Ordinal);
        Assert.Contains($"127.0.0.1:{deadPort}", run.Gateway.Log, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_wrong_password_gets_401_no_ticket_and_no_job_and_repeated_failures_are_throttled()
    {
        using GatewayRun run = Start("wrong-password");
        var (daemon, gateway) = run;
        for (int i = 0; i < 3; i++)
        {
            var (status, body) = await PostAsync(gateway, "api/v1/login", Login("bob", "not-" + testbed.Password("bob")));
            Assert.Equal(HttpStatusCode.Unauthorized, status);
            Assert.Contains("wrong user name or password", body.RootElement.GetProperty("error").GetString(), StringComparison.Ordinal);
        }
        Assert.False(DaemonHolds(daemon, "bob"));
        Assert.Empty(QueuedJobsOf("bob"));

        // The limit (3 per user per minute) now holds even for the right password.
        var (limited, _) = await PostAsync(gateway, "api/v1/login", Login("bob", testbed.Password("bob")));
        Assert.Equal(HttpStatusCode.TooManyRequests, limited);
        Assert.False(DaemonHolds(daemon, "bob"));
        // Another user from the same address is not locked out by bob's failures.
        var (other, _) = await PostAsync(gateway, "api/v1/login", Login("alice", testbed.Password("alice")));
        Assert.Equal(HttpStatusCode.OK, other);
    }

    [Fact]
    public async Task A_user_outside_the_allowed_groups_gets_403_and_no_ticket_is_stored()
    {
        using GatewayRun run = Start("groups");
        var (daemon, gateway) = run;
        var (status, body) = await PostAsync(gateway, "api/v1/login", Login("carol", testbed.Password("carol")));
        Assert.Equal(HttpStatusCode.Forbidden, status);
        Assert.Contains("not in a group allowed", body.RootElement.GetProperty("error").GetString(), StringComparison.Ordinal);
        Assert.False(DaemonHolds(daemon, "carol"));
    }

    [Fact]
    public async Task A_disallowed_partition_is_a_400_that_names_it_and_nothing_is_submitted()
    {
        using GatewayRun run = Start("partition");
        GatewayProcess gateway = run.Gateway;
        string session = await LoginAsync(gateway, "alice");
        string error = await AssertRefusedJob(gateway, session, "{\"script\":\"#!/bin/sh\\ntrue\\n\",\"partition\":\"gpu\",\"time_limit_minutes\":1}", HttpStatusCode.BadRequest);
        Assert.Contains("partition 'gpu' is not allowed", error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Alices_session_cannot_act_as_bob()
    {
        using GatewayRun run = Start("isolation");
        GatewayProcess gateway = run.Gateway;
        string alice = await LoginAsync(gateway, "alice");
        string bob = await LoginAsync(gateway, "bob");
        var (submitted, bobJob) = await PostAsync(gateway, "api/v1/jobs", "{\"script\":\"#!/bin/sh\\nsleep 300\\n\",\"output\":\"/dev/null\",\"working_directory\":\"/tmp\",\"time_limit_minutes\":5}", bob);
        Assert.Equal(HttpStatusCode.Created, submitted);
        long bobId = bobJob.RootElement.GetProperty("job_id").GetInt64();

        // No field names a user: an attempt to is an unknown field, refused.
        var (asBob, refusal) = await PostAsync(gateway, "api/v1/jobs", "{\"script\":\"#!/bin/sh\\ntrue\\n\",\"user\":\"bob\",\"time_limit_minutes\":1}", alice);
        Assert.Equal(HttpStatusCode.BadRequest, asBob);
        Assert.Contains("unknown key at $.user", refusal.RootElement.GetProperty("error").GetString(), StringComparison.Ordinal);

        using (var show = new HttpRequestMessage(HttpMethod.Get, new Uri(gateway.Url, $"api/v1/jobs/{bobId}")))
        {
            show.Headers.Authorization = new AuthenticationHeaderValue("Bearer", alice);
            Assert.Equal(HttpStatusCode.NotFound, (await SendAsync(show)).Status);
        }
        using (var cancel = new HttpRequestMessage(HttpMethod.Delete, new Uri(gateway.Url, $"api/v1/jobs/{bobId}")))
        {
            cancel.Headers.Authorization = new AuthenticationHeaderValue("Bearer", alice);
            Assert.Equal(HttpStatusCode.NotFound, (await SendAsync(cancel)).Status);
        }
        using (var list = new HttpRequestMessage(HttpMethod.Get, new Uri(gateway.Url, "api/v1/jobs")))
        {
            list.Headers.Authorization = new AuthenticationHeaderValue("Bearer", alice);
            var (_, jobs) = await SendAsync(list);
            Assert.DoesNotContain(jobs.RootElement.GetProperty("jobs").EnumerateArray(), j => j.GetProperty("job_id").GetInt64() == bobId);
        }
        Assert.Contains(bobId.ToString(System.Globalization.CultureInfo.InvariantCulture), QueuedJobsOf("bob"));

        // bob himself sees and cancels it.
        using (var cancel = new HttpRequestMessage(HttpMethod.Delete, new Uri(gateway.Url, $"api/v1/jobs/{bobId}")))
        {
            cancel.Headers.Authorization = new AuthenticationHeaderValue("Bearer", bob);
            Assert.Equal(HttpStatusCode.NoContent, (await SendAsync(cancel)).Status);
        }
        // A made-up session is nobody.
        var (forged, _) = await PostAsync(gateway, "api/v1/token", "{}", "AAAA" + alice[4..]);
        Assert.Equal(HttpStatusCode.Unauthorized, forged);
    }

    [Fact]
    public async Task Slurmrestd_refuses_an_expired_jwt_and_accepts_a_fresh_one()
    {
        testbed.StartRestd();
        using HmacKey key = Hs256KeyFile.Load(HsKey, testbed.UidOf("slurm"));
        var past = new FixedTime(DateTimeOffset.UtcNow.AddHours(-2));
        string expired = SlurmToken.Mint("alice", TimeSpan.FromMinutes(10), key, past);
        string fresh = SlurmToken.Mint("alice", TimeSpan.FromMinutes(10), key);
        await AssertRestdRefuses("alice", expired, "token expired");
        Assert.True(await RestdAccepts("alice", fresh));
    }

    [Fact]
    public async Task After_an_rs256_rotation_slurm_accepts_old_and_new_gateway_tokens_and_refuses_a_retired_keys()
    {
        string keys = Path.Combine(testbed.Directory, "gateway-rs256-keys");
        System.IO.Directory.CreateDirectory(keys);
        File.SetUnixFileMode(keys, (UnixFileMode)0b111_101_101);
        string set = Path.Combine(keys, "signing.jwks");
        string published = Path.Combine(keys, "jwks.json");
        File.Delete(set);
        string firstKid = RsaKeySet.Create(set, force: true);
        // Shared with the gateway's user through the file's group, as a site shares jwt_hs256.key.
        Command.Run("chgrp", [GatewayProcess.User, set]).EnsureSuccess("chgrp");
        File.SetUnixFileMode(set, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead);
        RsaKeySet.Publish(set, published);
        testbed.UseJwks(published);

        using GatewayRun run = Start("rs256", new JsonObject { ["rs256_key_set"] = set });
        GatewayProcess gateway = run.Gateway;
        string session = await LoginAsync(gateway, "alice");
        string oldToken = await TokenAsync(gateway, session);
        Assert.Contains(firstKid, TokenParts(oldToken), StringComparison.Ordinal);
        Assert.True(await RestdAccepts("alice", oldToken));

        RsaKeySet.Rotate(set);
        RsaKeySet.Publish(set, published);
        testbed.UseJwks(published);
        string newToken = await TokenAsync(gateway, session);
        Assert.DoesNotContain(firstKid, TokenParts(newToken), StringComparison.Ordinal);
        Assert.True(await RestdAccepts("alice", newToken));
        Assert.True(await RestdAccepts("alice", oldToken));

        RsaKeySet.Retire(set, firstKid);
        RsaKeySet.Publish(set, published);
        testbed.UseJwks(published);
        await AssertRestdRefuses("alice", oldToken, "could not find matching kid");
        Assert.True(await RestdAccepts("alice", newToken));
    }

    [Theory]
    [InlineData("name", "\"x; rm -rf /\"")]
    [InlineData("name", "\"--uid=0\"")]
    [InlineData("partition", "\"debug,gpu\"")]
    [InlineData("account", "\"$(id)\"")]
    [InlineData("working_directory", "\"/tmp/../root\"")]
    [InlineData("output", "\"/tmp/out`id`\"")]
    [InlineData("error", "\"/tmp/a\\nb\"")]
    [InlineData("environment", "{\"LD_PRELOAD\":\"/tmp/x.so\"}")]
    [InlineData("environment", "{\"A=B\":\"c\"}")]
    [InlineData("environment", "{\"A\":\"line\\nbreak\"}")]
    [InlineData("script", "\"rm -rf ~\"")]
    [InlineData("time_limit_minutes", "\"10; id\"")]
    [InlineData("user_id", "0")]
    public async Task Hostile_or_unknown_job_fields_get_a_400_and_nothing_is_submitted(string field, string value)
    {
        using GatewayRun run = Start("bad-" + field);
        GatewayProcess gateway = run.Gateway;
        string session = await LoginAsync(gateway, "alice");
        // A valid job but for the one hostile field (the script alone when the script is the field).
        JsonObject job = field == "script" ? [] : new() { ["script"] = "#!/bin/sh\ntrue\n", ["time_limit_minutes"] = 1 };
        job[field] = JsonNode.Parse(value);
        string body = job.ToJsonString();
        await AssertRefusedJob(gateway, session, body, HttpStatusCode.BadRequest);
    }

    [Fact]
    public async Task Oversized_malformed_and_hostile_login_bodies_get_a_4xx_and_store_nothing()
    {
        using GatewayRun run = Start("bad-login");
        var (daemon, gateway) = run;
        string session = await LoginAsync(gateway, "alice");
        string huge = "{\"script\":\"#!/bin/sh\\n" + new string('x', 20_000) + "\"}";
        await AssertRefusedJob(gateway, session, huge, HttpStatusCode.RequestEntityTooLarge);
        await AssertRefusedJob(gateway, session, "{\"script\": \"#!/bin/sh\\n", HttpStatusCode.BadRequest);
        await AssertRefusedJob(gateway, session, "[1,2,3]", HttpStatusCode.BadRequest);
        await AssertRefusedJob(gateway, session, "{\"script\":\"#!/bin/sh\\ntrue\\n\",\"script\":\"#!/bin/sh\\nid\\n\"}", HttpStatusCode.BadRequest);

        Assert.Equal(HttpStatusCode.BadRequest, (await PostAsync(gateway, "api/v1/login", Login($"bob@{Realm}", testbed.Password("bob")))).Status);
        Assert.Equal(HttpStatusCode.BadRequest, (await PostAsync(gateway, "api/v1/login", Login("bob/admin", testbed.Password("bob")))).Status);
        Assert.Equal(HttpStatusCode.BadRequest, (await PostAsync(gateway, "api/v1/login", "{\"username\":\"bob\",\"password\":\"x\",\"realm\":\"EVIL\"}")).Status);
        Assert.Equal(HttpStatusCode.BadRequest, (await PostAsync(gateway, "api/v1/login", "{\"username\":\"bob\"")).Status);
        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, (await PostAsync(gateway, "api/v1/login", Login("bob", new string('p', 20_000)))).Status);
        Assert.False(DaemonHolds(daemon, "bob"));
        Assert.Contains("\"/api/v1/jobs\"", await Http.GetStringAsync(new Uri(gateway.Url, "openapi.json")), StringComparison.Ordinal);
    }

    private async Task<string> TokenAsync(GatewayProcess gateway, string session)
    {
        var (status, body) = await PostAsync(gateway, "api/v1/token", "{}", session);
        Assert.Equal(HttpStatusCode.OK, status);
        return body.RootElement.GetProperty("token").GetString()!;
    }

    private static string TokenParts(string token) =>
        Encoding.UTF8.GetString(Convert.FromBase64String(Pad(token.Split('.')[0].Replace('-', '+').Replace('_', '/'))));

    private static string Pad(string s) => s + new string('=', (4 - s.Length % 4) % 4);

    /// <summary>A real slurmctld verdict: slurmrestd passes the token on (SLURM_JWT=daemon) and slurmctld checks it.</summary>
    private async Task<bool> RestdAccepts(string user, string token)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, new Uri(testbed.RestdUrl, $"slurm/{testbed.RestdApi}/jobs"));
        request.Headers.Add("X-SLURM-USER-NAME", user);
        request.Headers.Add("X-SLURM-USER-TOKEN", token);
        using HttpResponseMessage response = await Http.SendAsync(request);
        string text = await response.Content.ReadAsStringAsync();
        using JsonDocument body = JsonDocument.Parse(text);
        bool refused = body.RootElement.TryGetProperty("errors", out JsonElement errors) && errors.GetArrayLength() > 0;
        output.WriteLine($"slurmrestd: {(int)response.StatusCode} {(refused ? errors.ToString() : "no errors")}");
        return response.IsSuccessStatusCode && !refused;
    }

    /// <summary>
    /// Refused, and for the reason given: slurmrestd only says "Unspecified error", so the
    /// reason is read where auth/jwt logs it, in slurmctld's log.
    /// </summary>
    private async Task AssertRestdRefuses(string user, string token, string slurmctldReason)
    {
        string log = Path.Combine(testbed.Directory, "log", "slurmctld.log");
        long start = new FileInfo(log).Length;
        Assert.False(await RestdAccepts(user, token));
        DateTime deadline = DateTime.UtcNow.AddSeconds(10);
        string added = "";
        while (DateTime.UtcNow < deadline)
        {
            using (var stream = new FileStream(log, FileMode.Open, FileAccess.Read, FileShare.ReadWrite))
            {
                stream.Seek(start, SeekOrigin.Begin);
                added = await new StreamReader(stream).ReadToEndAsync();
            }
            if (added.Contains(slurmctldReason, StringComparison.Ordinal))
                return;
            await Task.Delay(200);
        }
        Assert.Fail($"slurmctld did not log '{slurmctldReason}'; it logged:\n{added}");
    }

    private sealed class FixedTime(DateTimeOffset now) : TimeProvider
    {
        public override DateTimeOffset GetUtcNow() => now;
    }
}
