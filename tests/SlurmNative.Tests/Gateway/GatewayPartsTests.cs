using System.Net;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Routing;
using SlurmNative.Gateway.Api;
using SlurmNative.Gateway.Configuration;
using SlurmNative.Gateway.Jobs;
using SlurmNative.Gateway.Login;
using SlurmNative.Gateway.Policy;
using SlurmNative.Gateway.Sessions;
using SlurmNative.Tests.TestSupport;

namespace SlurmNative.Tests.Gateway;

public class GatewaySettingsTests
{
    private static GatewaySettings Parse(string json) => GatewaySettings.Parse(Encoding.UTF8.GetBytes(json), "gateway.json");

    [Fact]
    public void The_shipped_example_parses_with_comments_and_its_defaults()
    {
        string path = Path.Combine(SlurmNative.Tests.TestSupport.Repository.Root, "etc", "gateway.json");
        GatewaySettings settings = GatewaySettings.Load(path);
        Assert.True(settings.Proxy);
        Assert.False(settings.IssueTokens);
        Assert.Equal(TimeSpan.FromSeconds(60), settings.ProxyTokenLifespan);
        Assert.Equal("hpc", Assert.Single(settings.Groups).Group);
        Assert.True(settings.VerifyKdc);
        Assert.Equal("/etc/krb5.keytab", settings.Keytab);
        Assert.Null(settings.VerifyPrincipal);
        Assert.Empty(settings.TrustedProxies);
        Assert.Equal(20, settings.MaxSessionsPerUser);
    }

    [Fact]
    public void Kdc_verification_and_trusted_proxies_are_read()
    {
        GatewaySettings settings = Parse("""
            {"groups": {"hpc": {}}, "verify_kdc": false, "keytab": "FILE:/etc/slurmnative/gateway.keytab",
             "verify_principal": "slurmnative-gw/gw.example.org", "trusted_proxies": ["10.1.2.3", "192.168.0.0/16", "::ffff:10.9.9.9"],
             "sessions": {"max_per_user": 3}}
            """);
        Assert.False(settings.VerifyKdc);
        Assert.Equal("FILE:/etc/slurmnative/gateway.keytab", settings.Keytab);
        Assert.Equal("slurmnative-gw/gw.example.org", settings.VerifyPrincipal);
        Assert.Equal(["10.1.2.3/32", "192.168.0.0/16", "10.9.9.9/32"], settings.TrustedProxies.Select(n => n.ToString()));
        Assert.Equal(3, settings.MaxSessionsPerUser);
    }

    [Theory]
    [InlineData("{\"groups\":{\"hpc\":{}},\"listne\":\"x\"}", "unknown key at $.listne")]
    [InlineData("{\"groups\":{\"hpc\":{\"partitons\":[\"a\"]}}}", "unknown key at $.groups.hpc.partitons")]
    [InlineData("{}", "groups is empty")]
    [InlineData("{\"groups\":{\"hpc\":{}},\"modes\":{\"proxy\":false}}", "both proxy and issue_tokens are off")]
    [InlineData("{\"groups\":{\"hpc\":{}},\"jwt\":{\"hs256_key\":\"/a\",\"rs256_key_set\":\"/b\"}}", "more than one signing key")]
    [InlineData("{\"groups\":{\"hpc\":{}},\"jwt\":{\"slurm_jwks\":\"/etc/slurm/slurm.jwks\"}}", "auth/jwt, which reads AuthAltParameters=jwt_key= or jwks=")]
    [InlineData("{\"groups\":{\"hpc\":{}},\"jwt\":{\"hs256_key\":\"relative\"}}", "must be absolute")]
    [InlineData("{\"groups\":{\"hpc\":{}},\"sessions\":{\"lifetime\":\"8\"}}", "sessions.lifetime")]
    [InlineData("{\"groups\":{\"hpc\":{\"partitions\":[\"a;b\"]}}}", "not a Slurm partition")]
    [InlineData("{\"groups\":{\"hpc\":{}},\"slurmrestd\":\"ftp://x\"}", "not an http")]
    [InlineData("{\"groups\":{\"hpc\":{}},\"groups\":{}}", "appears twice")]
    [InlineData("{\"groups\":", "not valid JSON")]
    [InlineData("{\"groups\":{\"hpc\":{}},\"trusted_proxies\":[\"proxy.example.org\"]}", "trusted_proxies: 'proxy.example.org' is not an address")]
    [InlineData("{\"groups\":{\"hpc\":{}},\"verify_principal\":\"host/a b\"}", "verify_principal 'host/a b' is not a principal name")]
    [InlineData("{\"groups\":{\"hpc\":{}},\"sessions\":{\"max_per_user\":0}}", "sessions.max_per_user must be a positive number")]
    [InlineData("{\"groups\":{\"hpc\":{}},\"verify_kdc\":\"no\"}", "wrong type of value at $.verify_kdc")]
    public void A_bad_file_is_refused_with_a_message_naming_the_problem(string json, string expected)
    {
        var e = Assert.Throws<GatewaySettingsException>(() => Parse(json));
        Assert.Contains(expected, e.Message, StringComparison.Ordinal);
        Assert.StartsWith("gateway.json: ", e.Message, StringComparison.Ordinal);
    }
}

public class GatewayPolicyTests
{
    private static readonly GatewayPolicy Policy = new(GatewaySettings.Parse(Encoding.UTF8.GetBytes("""
        {"groups": {
          "physics": {"partitions": ["short", "long"], "accounts": ["phys"], "max_time_minutes": 60},
          "chem":    {"partitions": ["gpu"], "accounts": ["*"], "max_time_minutes": 120},
          "staff":   {"partitions": ["*"]}
        }}
        """), "t").Groups);

    [Fact]
    public void A_user_in_no_listed_group_gets_no_grant() =>
        Assert.Null(Policy.GrantFor(new HashSet<string> { "users" }));

    [Fact]
    public void Each_group_allows_what_it_lists_and_the_first_listed_partition_is_the_default()
    {
        Grant grant = Policy.GrantFor(new HashSet<string> { "physics", "chem" })!;
        Assert.Null(grant.Refusal("long", "phys", 60));
        Assert.Null(grant.Refusal("gpu", "anything", 120));
        Assert.Contains("partition 'debug' is not allowed for your groups; allowed: gpu, long, short", grant.Refusal("debug", "phys", 1), StringComparison.Ordinal);
        Assert.Equal("short", grant.DefaultPartition);
    }

    [Fact]
    public void A_groups_partitions_accounts_and_time_limit_stay_together()
    {
        // physics: short/long, account phys, 60 min; chem: gpu, any account, 120 min.
        Grant grant = Policy.GrantFor(new HashSet<string> { "physics", "chem" })!;
        Assert.Contains("time_limit_minutes 120 is outside 1..60 with partition 'long'", grant.Refusal("long", "phys", 120), StringComparison.Ordinal);
        Assert.Contains("account 'chemistry' is not allowed with partition 'short'", grant.Refusal("short", "chemistry", 10), StringComparison.Ordinal);
        Assert.Null(grant.Refusal("gpu", "chemistry", 120));
    }

    [Fact]
    public void A_user_in_hpc_and_gpu_cannot_submit_hpcs_time_limit_to_gpu()
    {
        var policy = new GatewayPolicy(GatewaySettings.Parse("""
            {"groups": {
              "hpc": {"partitions": ["batch"], "accounts": ["*"], "max_time_minutes": 1440},
              "gpu": {"partitions": ["gpu"], "accounts": ["*"], "max_time_minutes": 60}
            }}
            """u8, "t").Groups);
        Grant grant = policy.GrantFor(new HashSet<string> { "hpc", "gpu" })!;
        Assert.Null(grant.Refusal("batch", null, 1440));
        Assert.Null(grant.Refusal("gpu", null, 60));
        Assert.Contains("time_limit_minutes 1440 is outside 1..60 with partition 'gpu'", grant.Refusal("gpu", null, 1440), StringComparison.Ordinal);
        Assert.Contains("time_limit_minutes is required with partition 'gpu' for your groups (at most 60)", grant.Refusal("gpu", null, null), StringComparison.Ordinal);
    }

    [Fact]
    public void An_omitted_account_passes_only_a_group_that_allows_any_account()
    {
        Grant physics = Policy.GrantFor(new HashSet<string> { "physics" })!;
        Assert.Contains("account is required with partition 'short' for your groups: name one of phys", physics.Refusal("short", null, 10), StringComparison.Ordinal);
        Assert.Null(physics.Refusal("short", "phys", 10));
        Grant both = Policy.GrantFor(new HashSet<string> { "physics", "chem" })!;
        Assert.Null(both.Refusal("gpu", null, 10));
        Assert.NotNull(both.Refusal("short", null, 10));
    }

    [Fact]
    public void A_wildcard_group_allows_any_partition_but_names_no_default()
    {
        Grant grant = Policy.GrantFor(new HashSet<string> { "staff" })!;
        Assert.Null(grant.Refusal("whatever", null, null));
        Assert.Null(grant.DefaultPartition);
    }
}

public class JobValidationTests
{
    private static readonly Grant Physics = new([new GroupRule("physics", new HashSet<string> { "short" }, new HashSet<string> { "phys" }, ["short"], 60)]);
    private static readonly Dictionary<string, string> Base = new() { ["PATH"] = "/usr/bin:/bin" };

    private static ValidatedJob Validate(JobRequest request) => JobValidation.Validate(request, Physics, "/home/alice", Base);

    [Fact]
    public void A_plain_job_gets_the_policy_defaults()
    {
        ValidatedJob job = Validate(new JobRequest { Script = "#!/bin/sh\nhostname\n", TimeLimitMinutes = 10, Account = "phys" });
        Assert.Equal("short", job.Partition);
        Assert.Equal("/home/alice", job.WorkingDirectory);
        Assert.Equal(1, job.Nodes);
        Assert.Equal("/usr/bin:/bin", job.Environment["PATH"]);
    }

    [Theory]
    [InlineData("partition 'long' is not allowed for your groups; allowed: short")]
    public void A_partition_outside_the_grant_is_named(string expected)
    {
        var e = Assert.Throws<JobRejectedException>(() => Validate(new JobRequest { Script = "#!/bin/sh\n", Partition = "long", TimeLimitMinutes = 1 }));
        Assert.Equal(expected, e.Message);
    }

    private static readonly JobRequest[] RefusedRequests =
    [
        new JobRequest { TimeLimitMinutes = 1 },
        new JobRequest { Script = "echo hi", TimeLimitMinutes = 1 },
        new JobRequest { Script = "#!/bin/sh\n", Account = "phys" },
        new JobRequest { Script = "#!/bin/sh\n", TimeLimitMinutes = 61, Account = "phys" },
        new JobRequest { Script = "#!/bin/sh\n", TimeLimitMinutes = 1, Account = "chem" },
        new JobRequest { Script = "#!/bin/sh\n", TimeLimitMinutes = 1, Name = "a\nb" },
        new JobRequest { Script = "#!/bin/sh\n", TimeLimitMinutes = 1, Account = "phys", WorkingDirectory = "relative" },
        new JobRequest { Script = "#!/bin/sh\n", TimeLimitMinutes = 1, Account = "phys", Output = "/tmp/../etc/x" },
        new JobRequest { Script = "#!/bin/sh\n", TimeLimitMinutes = 1, Account = "phys", Error = "/tmp/$(id)" },
        new JobRequest { Script = "#!/bin/sh\n", TimeLimitMinutes = 1, Account = "phys", Nodes = 0 },
        new JobRequest { Script = "#!/bin/sh\n", TimeLimitMinutes = 1, Account = "phys", Environment = new() { ["KRB5CCNAME"] = "FILE:/tmp/x" } },
        new JobRequest { Script = "#!/bin/sh\n", TimeLimitMinutes = 1, Account = "phys", Environment = new() { ["1A"] = "x" } },
        new JobRequest { Script = "#!/bin/sh\n\0", TimeLimitMinutes = 1 },
    ];

    public static TheoryData<int, string> Refused => new()
    {
        { 0, "script is required" },
        { 1, "must start with an interpreter line" },
        { 2, "time_limit_minutes is required" },
        { 3, "outside 1..60" },
        { 4, "account 'chem' is not allowed" },
        { 5, "name 'a?b'" },
        { 6, "absolute path" },
        { 7, "must not contain '..'" },
        { 8, "may only use" },
        { 9, "nodes 0 is outside" },
        { 10, "is reserved" },
        { 11, "must match" },
        { 12, "NUL" },
    };

    [Theory]
    [MemberData(nameof(Refused))]
    public void Bad_fields_are_refused_with_the_field_named(int request, string expected)
    {
        var e = Assert.Throws<JobRejectedException>(() => Validate(RefusedRequests[request]));
        Assert.Contains(expected, e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Unknown_and_duplicate_fields_do_not_deserialise()
    {
        Assert.ThrowsAny<JsonException>(() => JsonSerializer.Deserialize("{\"script\":\"#!/bin/sh\",\"user_id\":0}", GatewayJson.Default.JobRequest));
        Assert.ThrowsAny<JsonException>(() => JsonSerializer.Deserialize("{\"script\":\"#!/bin/sh\",\"script\":\"#!/bin/bash\"}", GatewayJson.Default.JobRequest));
    }

    [Fact]
    public void An_environment_value_of_null_is_refused_with_its_name()
    {
        JobRequest request = JsonSerializer.Deserialize("{\"script\":\"#!/bin/sh\\n\",\"time_limit_minutes\":1,\"account\":\"phys\",\"environment\":{\"OMP_NUM_THREADS\":null}}",
            GatewayJson.Default.JobRequest)!;
        var e = Assert.Throws<JobRejectedException>(() => Validate(request));
        Assert.Contains("environment value of 'OMP_NUM_THREADS' must be a string", e.Message, StringComparison.Ordinal);
    }
}

public class LoginPartsTests
{
    [Fact]
    public void The_login_body_yields_the_password_without_a_string_and_wipes_it()
    {
        LoginBody body = LoginBody.Parse("{\"username\":\"alice\",\"password\":\"s3cr\\u00e9t\"}"u8);
        Assert.Equal("alice", body.UserName);
        Assert.Equal("s3cr\u00e9t", new string(body.Password));
        body.Dispose();
        Assert.All(body.Password.ToArray(), c => Assert.Equal('\0', c));
    }

    [Theory]
    [InlineData("{\"username\":\"alice\"}", "both required")]
    [InlineData("{\"username\":\"alice\",\"password\":\"x\",\"realm\":\"EVIL\"}", "unknown field 'realm'")]
    [InlineData("{\"username\":\"alice\",\"username\":\"bob\",\"password\":\"x\"}", "appears twice")]
    [InlineData("{\"username\":1,\"password\":\"x\"}", "must be a string")]
    [InlineData("[\"alice\"]", "must be a JSON object")]
    [InlineData("{\"username\":\"alice\",\"password\":\"x\"} {}", "malformed JSON")]
    [InlineData("{\"username\":\"alice\",\"password\":", "malformed JSON")]
    public void A_bad_login_body_is_a_format_error(string json, string expected)
    {
        var e = Assert.Throws<FormatException>(() => LoginBody.Parse(Encoding.UTF8.GetBytes(json)));
        Assert.Contains(expected, e.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("{\"username\":\"alice\",\"password\":\"\\ud800\"}")] // a lone surrogate escape in the password
    [InlineData("{\"username\":\"a\\udfffb\",\"password\":\"x\"}")] // and in a string
    [InlineData("{\"\\ud800\":1}")] // and in a name
    public void A_login_body_whose_text_is_not_text_is_a_format_error(string json)
    {
        var e = Assert.Throws<FormatException>(() => LoginBody.Parse(Encoding.UTF8.GetBytes(json)));
        Assert.Contains("not valid UTF-8 text", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_login_body_with_bytes_that_are_not_utf8_is_a_format_error()
    {
        byte[] json = [.. "{\"username\":\"al"u8, 0xC3, 0x28, .. "ice\",\"password\":\"x\"}"u8];
        var e = Assert.Throws<FormatException>(() => LoginBody.Parse(json));
        Assert.Contains("not valid UTF-8 text", e.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("alice", true)]
    [InlineData("a.b_c-d", true)]
    [InlineData("bob@EVIL.REALM", false)]
    [InlineData("host/node1", false)]
    [InlineData("-rf", false)]
    [InlineData("", false)]
    public void User_names_cannot_name_another_realm_or_a_service(string name, bool valid) =>
        Assert.Equal(valid, LoginBody.IsValidUserName(name));

    [Fact]
    public void Failures_are_limited_per_user_and_per_address_and_expire()
    {
        var time = new ManualTime(DateTimeOffset.UnixEpoch);
        var throttle = new LoginThrottle(failuresPerUser: 2, failuresPerAddress: 3, TimeSpan.FromMinutes(1), time);
        Fail(throttle, "bob", "10.0.0.1");
        Assert.True(Allowed(throttle, "bob", "10.0.0.1"));
        Fail(throttle, "bob", "10.0.0.2");
        Assert.False(Allowed(throttle, "bob", "10.0.0.9"));     // bob, from anywhere
        Assert.True(Allowed(throttle, "alice", "10.0.0.2"));    // others are not
        Fail(throttle, "carol", "10.0.0.1");
        Fail(throttle, "dave", "10.0.0.1");
        Assert.False(Allowed(throttle, "erin", "10.0.0.1"));    // that address, for anyone
        time.Now += TimeSpan.FromSeconds(61);
        Assert.True(Allowed(throttle, "bob", "10.0.0.1"));
    }

    [Fact]
    public void An_attempt_counts_from_before_the_kdc_call_and_one_name_has_one_in_flight()
    {
        var throttle = new LoginThrottle(failuresPerUser: 3, failuresPerAddress: 3, TimeSpan.FromMinutes(1), new ManualTime(DateTimeOffset.UnixEpoch));
        LoginAttempt first = throttle.TryBegin("bob", "10.0.0.1", out _)!;
        Assert.Null(throttle.TryBegin("bob", "10.0.0.2", out ThrottleRefusal busy));
        Assert.True(busy.InProgress);
        Assert.Equal(LoginThrottle.InFlightRetry, busy.RetryAfter);

        // Attempts in flight count against the address too: two more names fill its budget of three.
        using LoginAttempt carol = throttle.TryBegin("carol", "10.0.0.1", out _)!;
        using LoginAttempt dave = throttle.TryBegin("dave", "10.0.0.1", out _)!;
        Assert.Null(throttle.TryBegin("erin", "10.0.0.1", out _));

        // A success leaves nothing counted; a failure stays.
        first.Dispose();
        first.Dispose();
        using (LoginAttempt again = throttle.TryBegin("bob", "10.0.0.2", out _)!)
            again.Fail();
        Fail(throttle, "bob", "10.0.0.3");
        Fail(throttle, "bob", "10.0.0.4");
        Assert.Null(throttle.TryBegin("bob", "10.0.0.5", out ThrottleRefusal spent));
        Assert.False(spent.InProgress);
        Assert.Equal(TimeSpan.FromMinutes(1), spent.RetryAfter);
    }

    [Fact]
    public async Task Two_hundred_parallel_guesses_for_one_name_get_exactly_its_budget_of_kdc_exchanges()
    {
        var throttle = new LoginThrottle(failuresPerUser: 5, failuresPerAddress: 1000, TimeSpan.FromMinutes(5));
        int exchanges = 0;
        using var start = new ManualResetEventSlim();
        var guesses = Enumerable.Range(0, 200).Select(i => Task.Run(() =>
        {
            start.Wait();
            // Each guesser retries while another guess is in flight, until the budget is spent.
            while (true)
            {
                LoginAttempt? attempt = throttle.TryBegin("bob", $"10.0.{i / 250}.{i % 250}", out ThrottleRefusal refusal);
                if (attempt is null)
                {
                    if (!refusal.InProgress)
                        return;
                    Thread.Yield();
                    continue;
                }
                using (attempt)
                {
                    Interlocked.Increment(ref exchanges);
                    Thread.Sleep(2);    // the KDC exchange
                    attempt.Fail();
                }
            }
        })).ToArray();
        start.Set();
        await Task.WhenAll(guesses);
        Assert.Equal(5, exchanges);
    }

    [Theory]
    [InlineData("Alice", "alice", "alice")]
    [InlineData("ALICE", null, "alice")]
    [InlineData("alice", "alice", "alice")]
    [InlineData("AD-User", "ad-user", "ad-user")]
    public void Every_spelling_of_a_name_shares_one_budget(string typed, string? accountName, string key)
    {
        LocalAccount? account = accountName is null ? null : new LocalAccount(accountName, 1001, 1001, "/home/" + accountName, new HashSet<string>());
        Assert.Equal(key, LoginThrottle.UserKey(typed, account));
    }

    [Fact]
    public void Sessions_expire_are_capped_by_the_ticket_and_only_their_token_finds_them()
    {
        var time = new ManualTime(DateTimeOffset.UnixEpoch);
        var store = new SessionStore(TimeSpan.FromHours(8), maxSessions: 2, maxPerUser: 20, time);
        Grant grant = new([]);
        var (token, session) = store.Create("alice", 1001, "/home/alice", grant, DateTimeOffset.UnixEpoch.AddHours(1));
        Assert.Equal(DateTimeOffset.UnixEpoch.AddHours(1), session.Expires);
        Assert.Same(session, store.Find(token));
        Assert.Null(store.Find(token[..^1] + (token[^1] == 'A' ? 'B' : 'A')));
        Assert.Null(store.Find(null));
        store.Create("bob", 1002, "/home/bob", grant, DateTimeOffset.MaxValue);
        Assert.Throws<TooManySessionsException>(() => store.Create("carol", 1003, "/home/carol", grant, DateTimeOffset.MaxValue));
        time.Now += TimeSpan.FromHours(1);
        Assert.Null(store.Find(token));
        store.Create("carol", 1003, "/home/carol", grant, DateTimeOffset.MaxValue);
    }

    [Fact]
    public void One_user_holds_at_most_max_per_user_sessions_and_the_one_ending_first_closes()
    {
        var time = new ManualTime(DateTimeOffset.UnixEpoch);
        var store = new SessionStore(TimeSpan.FromHours(8), maxSessions: 100, maxPerUser: 3, time);
        Grant grant = new([]);
        var tokens = new List<string>();
        for (int i = 0; i < 5; i++)
        {
            tokens.Add(store.Create("alice", 1001, "/home/alice", grant, DateTimeOffset.MaxValue).Token);
            time.Now += TimeSpan.FromMinutes(1);
        }
        string bob = store.Create("bob", 1002, "/home/bob", grant, DateTimeOffset.MaxValue).Token;
        Assert.Equal(3, store.CountOf(1001));
        Assert.Null(store.Find(tokens[0]));
        Assert.Null(store.Find(tokens[1]));
        Assert.All(tokens.Skip(2), t => Assert.NotNull(store.Find(t)));
        Assert.NotNull(store.Find(bob));
    }

    private static bool Allowed(LoginThrottle throttle, string user, string address)
    {
        LoginAttempt? attempt = throttle.TryBegin(user, address, out _);
        attempt?.Dispose();
        return attempt is not null;
    }

    private static void Fail(LoginThrottle throttle, string user, string address)
    {
        using LoginAttempt attempt = throttle.TryBegin(user, address, out _) ?? throw new InvalidOperationException($"{user} from {address} was refused");
        attempt.Fail();
    }
}

public class OpenApiDocumentTests
{
    [Fact]
    public void Every_mapped_endpoint_is_described_and_nothing_else()
    {
        var app = WebApplication.CreateSlimBuilder().Build();
        GatewayApi.Map(app, null!);
        var mapped = ((IEndpointRouteBuilder)app).DataSources.SelectMany(d => d.Endpoints).OfType<RouteEndpoint>()
            .SelectMany(e => e.Metadata.OfType<Microsoft.AspNetCore.Routing.HttpMethodMetadata>().SelectMany(m => m.HttpMethods)
                .Select(method => $"{method.ToLowerInvariant()} {e.RoutePattern.RawText}"))
            .ToHashSet();

        using JsonDocument document = JsonDocument.Parse(OpenApiDocument.Bytes);
        var described = document.RootElement.GetProperty("paths").EnumerateObject()
            .SelectMany(path => path.Value.EnumerateObject().Where(op => op.Name is "get" or "post" or "delete" or "put" or "patch")
                .Select(op => $"{op.Name} {path.Name}"))
            .ToHashSet();
        Assert.Equal(mapped.Order(), described.Order());
        Assert.Equal("3.1.0", document.RootElement.GetProperty("openapi").GetString());
    }
}

public class ClientAddressTests
{
    private static readonly IReadOnlyList<IPNetwork> Proxies = [IPNetwork.Parse("10.0.0.0/24"), IPNetwork.Parse("192.168.1.1/32")];

    private static string? Resolve(string connection, params string[] forwardedFor) =>
        ClientAddress.Resolve(IPAddress.Parse(connection), new Microsoft.Extensions.Primitives.StringValues(forwardedFor), Proxies)?.ToString();

    [Fact]
    public void Without_trusted_proxies_the_connections_address_counts_whatever_the_header_says() =>
        Assert.Equal("203.0.113.9", ClientAddress.Resolve(IPAddress.Parse("203.0.113.9"), "198.51.100.1", [])?.ToString());

    [Fact]
    public void A_client_that_is_not_a_trusted_proxy_cannot_choose_its_address_with_the_header() =>
        Assert.Equal("203.0.113.9", Resolve("203.0.113.9", "10.0.0.5, 198.51.100.1"));

    [Fact]
    public void Behind_trusted_proxies_the_first_untrusted_hop_from_the_right_is_the_client()
    {
        Assert.Equal("198.51.100.7", Resolve("10.0.0.5", "198.51.100.7"));
        // The client put a fake address first; the proxies appended what they saw.
        Assert.Equal("198.51.100.7", Resolve("10.0.0.5", "1.2.3.4, 198.51.100.7, 192.168.1.1"));
        Assert.Equal("198.51.100.7", Resolve("10.0.0.5", "1.2.3.4", "198.51.100.7, 10.0.0.9"));
        Assert.Equal("198.51.100.7", Resolve("::ffff:10.0.0.5", "::ffff:198.51.100.7"));
    }

    [Fact]
    public void Garbage_in_the_header_stops_at_the_last_hop_believed()
    {
        Assert.Equal("10.0.0.5", Resolve("10.0.0.5", "198.51.100.7, not-an-address"));
        Assert.Equal("10.0.0.5", Resolve("10.0.0.5"));
    }

    [Fact]
    public void Ipv6_addresses_share_a_budget_per_64()
    {
        Assert.Equal(ClientAddress.ThrottleKey(IPAddress.Parse("2001:db8:1:2::1")), ClientAddress.ThrottleKey(IPAddress.Parse("2001:db8:1:2:ffff::9")));
        Assert.NotEqual(ClientAddress.ThrottleKey(IPAddress.Parse("2001:db8:1:2::1")), ClientAddress.ThrottleKey(IPAddress.Parse("2001:db8:1:3::1")));
        Assert.Equal("198.51.100.7", ClientAddress.ThrottleKey(IPAddress.Parse("198.51.100.7")));
    }
}

public class SlurmRestErrorTests
{
    [Fact]
    public async Task An_unreachable_slurmrestd_is_reported_to_the_client_without_its_address()
    {
        int port;
        using (var listener = new System.Net.Sockets.TcpListener(IPAddress.Loopback, 0))
        {
            listener.Start();
            port = ((IPEndPoint)listener.LocalEndpoint).Port;
        }
        using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}/") };
        var client = new SlurmNative.Gateway.Slurm.SlurmRestClient(http, "v0.0.38");
        var e = await Assert.ThrowsAsync<SlurmNative.Gateway.Slurm.SlurmRestException>(() => client.ListAsync("alice", "token", CancellationToken.None));
        Assert.Equal(HttpStatusCode.ServiceUnavailable, e.StatusCode);
        Assert.DoesNotContain("127.0.0.1", e.Message, StringComparison.Ordinal);
        Assert.DoesNotContain(port.ToString(System.Globalization.CultureInfo.InvariantCulture), e.Message, StringComparison.Ordinal);
        Assert.Contains($"127.0.0.1:{port}", e.Detail, StringComparison.Ordinal);
    }

    /// <summary>Plays slurmrestd with one canned reply.</summary>
    private sealed class CannedSlurmrestd(HttpStatusCode status, string body) : HttpMessageHandler
    {
        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken) =>
            Task.FromResult(new HttpResponseMessage(status) { Content = new StringContent(body), RequestMessage = request });
    }

    private static SlurmNative.Gateway.Slurm.SlurmRestClient Slurmrestd(HttpStatusCode status, string body) =>
        new(new HttpClient(new CannedSlurmrestd(status, body)) { BaseAddress = new Uri("http://slurmrestd.example.test:6820/") }, "v0.0.38");

    private static readonly SlurmNative.Gateway.Jobs.ValidatedJob Job = new("#!/bin/sh\n", "job", "batch", null, null, 1, null, null, null, "/home/alice", null, null, new Dictionary<string, string>());

    [Theory]
    [InlineData("1")]
    [InlineData("[{\"job_id\":7}]")]
    [InlineData("{\"job_id\":\"7\"}")]
    [InlineData("{\"job_id\":7,\"x\":\"\\ud800\"}")] // a string that is not text
    public async Task A_submission_reply_without_a_usable_job_id_is_a_bad_gateway(string body)
    {
        var e = await Assert.ThrowsAsync<SlurmNative.Gateway.Slurm.SlurmRestException>(() => Slurmrestd(HttpStatusCode.OK, body).SubmitAsync("alice", "token", Job, CancellationToken.None));
        Assert.Equal(HttpStatusCode.BadGateway, e.StatusCode);
    }

    [Theory]
    [InlineData("1", 0)]
    [InlineData("{\"jobs\":[1,\"x\",[],{\"job_id\":7,\"user_name\":\"alice\"}]}", 1)]
    public async Task Job_lists_keep_only_the_entries_that_are_objects(string body, int expected)
    {
        var jobs = await Slurmrestd(HttpStatusCode.OK, body).ListAsync("alice", "token", CancellationToken.None);
        Assert.Equal(expected, jobs.Count);
        Assert.All(jobs, job => Assert.Equal(7, job.JobId));
    }

    [Fact]
    public async Task Errors_that_are_not_objects_are_skipped_and_the_others_reported()
    {
        var e = await Assert.ThrowsAsync<SlurmNative.Gateway.Slurm.SlurmRestException>(() =>
            Slurmrestd(HttpStatusCode.InternalServerError, "{\"errors\":[1,null,{\"error\":\"Invalid partition name specified\"}]}").ListAsync("alice", "token", CancellationToken.None));
        Assert.Contains("Invalid partition name specified", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_error_naming_slurmrestds_host_without_its_port_does_not_reach_the_client()
    {
        var e = await Assert.ThrowsAsync<SlurmNative.Gateway.Slurm.SlurmRestException>(() =>
            Slurmrestd(HttpStatusCode.InternalServerError, "{\"errors\":[{\"error\":\"slurmctld refused slurmrestd.example.test\"}]}").ListAsync("alice", "token", CancellationToken.None));
        Assert.DoesNotContain("example.test", e.Message, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("slurmrestd.example.test", e.Detail, StringComparison.Ordinal);
    }
}
