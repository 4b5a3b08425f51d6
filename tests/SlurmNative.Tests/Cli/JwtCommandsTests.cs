using System.CommandLine;
using System.Text.Json;
using SlurmNative.Cli;
using SlurmNative.Tests.TestSupport;
using SlurmNative.Credentials.Accounts;
using SlurmNative.Tests.Jwt;

namespace SlurmNative.Tests.Cli;

/// <summary>`slurmnative jwt ...` run in-process: exit codes, what is printed, what is not.</summary>
public sealed class JwtCommandsTests : IDisposable
{
    private readonly TempDirectory dir = new();

    public void Dispose() => dir.Dispose();

    private sealed record Result(int Code, string Out, string Err);

    private static Result Run(params string[] args) => RunWithInput("", args);

    private static Result RunWithInput(string stdin, params string[] args)
    {
        var root = new RootCommand { JwtCommands.Create(new StringReader(stdin)) };
        var output = new StringWriter();
        var error = new StringWriter();
        int code = root.Parse(["jwt", .. args]).Invoke(new InvocationConfiguration { Output = output, Error = error });
        return new Result(code, output.ToString(), error.ToString());
    }

    private string HsKey()
    {
        string path = dir.File("jwt_hs256.key");
        if (!File.Exists(path))
            Assert.Equal(0, Run("keygen", path).Code);
        return path;
    }

    private static string Token(Result minted)
    {
        Assert.Equal(0, minted.Code);
        string line = minted.Out.Trim();
        Assert.StartsWith("SLURM_JWT=", line, StringComparison.Ordinal);
        return line["SLURM_JWT=".Length..];
    }

    private static long Lifespan(string token)
    {
        using JsonDocument payload = JsonDocument.Parse(TokenParts.Payload(token));
        return payload.RootElement.GetProperty("exp").GetInt64() - payload.RootElement.GetProperty("iat").GetInt64();
    }

    [Fact]
    public void Keygen_refuses_a_second_run_with_exit_2_and_says_force()
    {
        string path = HsKey();
        byte[] key = File.ReadAllBytes(path);
        Result again = Run("keygen", path);
        Assert.Equal(2, again.Code);
        Assert.Contains("--force", again.Err, StringComparison.Ordinal);
        Assert.Equal(key, File.ReadAllBytes(path));
        Assert.Equal(0, Run("keygen", path, "--force").Code);
        Assert.NotEqual(key, File.ReadAllBytes(path));
    }

    [Fact]
    public void Mint_prints_what_scontrol_token_prints_with_its_default_lifespan()
    {
        string token = Token(Run("mint", "--user", "alice", "--key", HsKey()));
        Assert.Equal(1800, Lifespan(token));
        Assert.Contains("\"sun\":\"alice\"", TokenParts.Payload(token), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("600", 600)]
    [InlineData("10m", 600)]
    [InlineData("2h", 7200)]
    [InlineData("1d", 86400)]
    public void Lifespan_takes_seconds_or_units(string lifespan, long seconds)
    {
        Assert.Equal(seconds, Lifespan(Token(Run("mint", "-u", "alice", "-l", lifespan, "--key", HsKey()))));
    }

    [Theory]
    [InlineData("10x")]
    [InlineData("0")]
    [InlineData("-5m")]
    [InlineData("99999999999")]
    public void Bad_lifespans_are_usage_errors(string lifespan)
    {
        Result r = Run("mint", "-u", "alice", "-l", lifespan, "--key", HsKey());
        Assert.Equal(2, r.Code);
        Assert.Contains("is not a duration", r.Err, StringComparison.Ordinal);
        Assert.Empty(r.Out);
    }

    [Fact]
    public void Mint_needs_exactly_one_key()
    {
        string key = HsKey();
        Assert.Contains("exactly one key", Run("mint", "-u", "a").Err, StringComparison.Ordinal);
        Result both = Run("mint", "-u", "a", "--key", key, "--rsa-keys", key);
        Assert.Equal(2, both.Code);
        Assert.Contains("exactly one key", both.Err, StringComparison.Ordinal);
    }

    [Fact]
    public void Verify_accepts_a_good_token_and_refuses_a_tampered_one_with_exit_1()
    {
        string key = HsKey();
        string token = Token(Run("mint", "-u", "alice", "--key", key));
        Result ok = Run("verify", token, "--key", key);
        Assert.Equal(0, ok.Code);
        Assert.StartsWith("valid: user alice, HS256", ok.Out, StringComparison.Ordinal);
        Assert.DoesNotContain(token.Split('.')[2], ok.Out + ok.Err, StringComparison.Ordinal);

        string forged = TokenParts.WithClaim(token, "sun", "root");
        Result refused = Run("verify", forged, "--key", key);
        Assert.Equal(1, refused.Code);
        Assert.Contains("token refused: signature does not verify", refused.Err, StringComparison.Ordinal);
        Assert.DoesNotContain(token.Split('.')[2], refused.Err, StringComparison.Ordinal);
    }

    [Fact]
    public void Verify_reads_scontrol_style_output_from_standard_input()
    {
        string key = HsKey();
        Result minted = Run("mint", "-u", "bob", "--key", key);
        Result r = RunWithInput(minted.Out, "verify", "-", "--key", key);
        Assert.Equal(0, r.Code);
        Assert.Contains("user bob", r.Out, StringComparison.Ordinal);
    }

    [Fact]
    public void Verify_without_keys_is_a_usage_error()
    {
        Result r = Run("verify", "a.b.c");
        Assert.Equal(2, r.Code);
        Assert.Contains("give the keys to verify with", r.Err, StringComparison.Ordinal);
    }

    [Fact]
    public void An_unsafe_key_file_stops_minting_with_the_fix()
    {
        string key = HsKey();
        File.SetUnixFileMode(key, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.OtherRead);
        Result r = Run("mint", "-u", "alice", "--key", key);
        Assert.Equal(2, r.Code);
        Assert.Contains($"chmod 600 {key}", r.Err, StringComparison.Ordinal);
        Assert.Empty(r.Out);
    }

    [Fact]
    public void Rsa_rotation_and_retirement_through_the_cli()
    {
        string set = dir.File("signing.jwks");
        string jwks = dir.File("jwks.json");
        Assert.Equal(0, Run("rsa", "init", set).Code);
        Assert.Equal(2, Run("rsa", "init", set).Code);
        string old = Token(Run("mint", "-u", "alice", "--rsa-keys", set));
        string oldKid = JsonDocument.Parse(TokenParts.Header(old)).RootElement.GetProperty("kid").GetString()!;

        Assert.Equal(0, Run("rsa", "rotate", set).Code);
        string fresh = Token(Run("mint", "-u", "alice", "--rsa-keys", set));
        Assert.Equal(0, Run("rsa", "publish", set, "--out", jwks).Code);
        Assert.Equal(0, Run("verify", old, "--jwks", jwks).Code);
        Assert.Equal(0, Run("verify", fresh, "--jwks", jwks).Code);
        Result list = Run("rsa", "list", set);
        Assert.Contains(oldKid, list.Out, StringComparison.Ordinal);
        Assert.DoesNotContain("\"d\"", list.Out, StringComparison.Ordinal);

        Assert.Equal(0, Run("rsa", "retire", set, "--kid", oldKid).Code);
        Assert.Equal(0, Run("rsa", "publish", set, "--out", jwks).Code);
        Result refused = Run("verify", old, "--jwks", jwks);
        Assert.Equal(1, refused.Code);
        Assert.Contains(oldKid, refused.Err, StringComparison.Ordinal);
        Assert.Equal(0, Run("verify", fresh, "--jwks", jwks).Code);
    }

    [RootFact]
    public void Owner_option_hands_new_files_to_slurm_user()
    {
        string path = dir.File("jwt_hs256.key");
        Assert.Equal(0, Run("keygen", path, "--owner", "nobody").Code);
        Assert.Equal(0, Interop.Libc.LStat(path, out Interop.Libc.Statx status));
        Assert.Equal(UserDatabase.PasswdByName("nobody")!.Uid, status.stx_uid);
        Result unknown = Run("keygen", dir.File("other.key"), "--owner", "no-such-user-slurmnative");
        Assert.Equal(2, unknown.Code);
        Assert.Contains("no such user", unknown.Err, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("1760000000", 1760000000L)]
    [InlineData("2026-01-31T00:00:00Z", 1769817600L)]
    [InlineData("2026-01-31", 1769817600L)]
    public void Expiry_times_parse_as_unix_or_iso_8601_in_utc(string text, long unix)
    {
        Assert.Equal(unix, JwtCommands.ParseTime(text).ToUnixTimeSeconds());
    }
}
