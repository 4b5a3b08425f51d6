using System.Text;
using SlurmNative.Gateway.Login;
using SlurmNative.Gateway.Policy;
using SlurmNative.Gateway.Sessions;
using SlurmNative.Tests.TestSupport;

namespace SlurmNative.Tests.Gateway.Login;

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
