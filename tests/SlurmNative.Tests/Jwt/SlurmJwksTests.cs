using System.Text;
using System.Text.Json;
using SlurmNative.Jwt;
using SlurmNative.Jwt.Keys;
using SlurmNative.Jwt.Tokens;
using SlurmNative.Tests.Crypto;

namespace SlurmNative.Tests.Jwt;

public sealed class SlurmJwksTests : IDisposable
{
    // Shaped like authentication.html's "Multiple Key Setup" example: one key with exp, one "use": "default".
    private const string TwoKeys = """
        {
          "keys": [
            { "alg": "HS256", "kty": "oct", "kid": "old-key", "k": "c2l4dGVlbiBieXRlcyBhbmQgc29tZSBtb3Jl", "exp": 1760000000 },
            { "alg": "HS256", "kty": "oct", "kid": "new-key", "k": "YW5vdGhlciBrZXkgb2YgbW9yZSB0aGFuIDE2IGJ5dGVz", "use": "default", "note": "kept" }
          ]
        }
        """;

    private readonly TempDirectory dir = new();
    private readonly ManualTime time = new(TokenParts.Epoch);

    public void Dispose() => dir.Dispose();

    private string Path => dir.File("slurm.jwks");

    private static SlurmJwks Parse(string json) => SlurmJwks.Parse(Encoding.UTF8.GetBytes(json), "slurm.jwks");

    private static string Refused(string json) => Assert.Throws<JwtKeyException>(() => Parse(json)).Message;

    private static string Set(string entry) => $"{{\"keys\":[{entry}]}}";

    private static string K(int bytes) => Base64Url.Encode(Enumerable.Repeat((byte)7, bytes).ToArray());

    [Fact]
    public void The_documented_shape_parses_with_its_default_and_expiry()
    {
        using SlurmJwks set = Parse(TwoKeys);
        Assert.Equal(["old-key", "new-key"], set.Keys.Select(k => k.KeyId));
        Assert.Equal("new-key", set.DefaultKey.KeyId);
        Assert.Equal(DateTimeOffset.FromUnixTimeSeconds(1760000000), set.Keys[0].Expires);
        Assert.Null(set.Keys[1].Expires);
        Assert.Equal(27, set.Keys[0].Length);
    }

    [Fact]
    public void Without_a_default_key_the_first_one_is_the_default()
    {
        using SlurmJwks set = Parse($"{{\"keys\":[{{\"alg\":\"HS256\",\"kty\":\"oct\",\"kid\":\"a\",\"k\":\"{K(32)}\"}},{{\"alg\":\"HS256\",\"kty\":\"oct\",\"kid\":\"b\",\"k\":\"{K(32)}\"}}]}}");
        Assert.Equal("a", set.DefaultKey.KeyId);
    }

    [Theory]
    [InlineData(16, false)]
    [InlineData(17, true)]
    [InlineData(32, true)]
    public void K_must_be_longer_than_16_bytes(int bytes, bool accepted)
    {
        string json = Set($"{{\"alg\":\"HS256\",\"kty\":\"oct\",\"kid\":\"a\",\"k\":\"{K(bytes)}\"}}");
        if (accepted)
            Parse(json).Dispose();
        else
            Assert.Contains("decodes to 16 bytes; Slurm requires more than 16", Refused(json), StringComparison.Ordinal);
    }

    [Fact]
    public void K_may_be_standard_base64_with_padding()
    {
        byte[] bytes = [.. Enumerable.Repeat<byte[]>([0xfb, 0xff, 0xbf], 7).SelectMany(b => b).Take(20)];
        string k = Convert.ToBase64String(bytes);
        Assert.True(k.Contains('+') && k.Contains('/') && k.EndsWith('='), "the example must use the characters base64url does not have");
        using SlurmJwks set = Parse(Set($"{{\"alg\":\"HS256\",\"kty\":\"oct\",\"kid\":\"a\",\"k\":\"{k}\"}}"));
        Assert.Equal(20, set.Keys[0].Length);
    }

    [Theory]
    [InlineData("{\"alg\":\"HS256\",\"kty\":\"oct\",\"kid\":\"a\"}", "keys[0]: \"k\" is missing")]
    [InlineData("{\"alg\":\"HS256\",\"kty\":\"oct\",\"kid\":\"a\",\"k\":\"***\"}", "\"k\" is not valid base64url")]
    [InlineData("{\"alg\":\"HS256\",\"kty\":\"RSA\",\"kid\":\"a\",\"k\":\"K32\"}", "\"kty\" is \"RSA\"; it must be \"oct\"")]
    [InlineData("{\"alg\":\"RS256\",\"kty\":\"oct\",\"kid\":\"a\",\"k\":\"K32\"}", "\"alg\" is \"RS256\"; it must be \"HS256\"")]
    [InlineData("{\"kty\":\"oct\",\"kid\":\"a\",\"k\":\"K32\"}", "\"alg\" is missing")]
    [InlineData("{\"alg\":\"HS256\",\"kid\":\"a\",\"k\":\"K32\"}", "\"kty\" is missing")]
    [InlineData("{\"alg\":\"HS256\",\"kty\":\"oct\",\"k\":\"K32\"}", "\"kid\" is missing")]
    [InlineData("{\"alg\":\"HS256\",\"kty\":\"oct\",\"kid\":7,\"k\":\"K32\"}", "\"kid\" must be a string")]
    [InlineData("{\"alg\":\"HS256\",\"kty\":\"oct\",\"kid\":\"a\",\"k\":\"K32\",\"use\":\"sig\"}", "\"use\" of key \"a\" must be \"default\"")]
    [InlineData("{\"alg\":\"HS256\",\"kty\":\"oct\",\"kid\":\"a\",\"k\":\"K32\",\"exp\":\"soon\"}", "\"exp\" must be an integer")]
    [InlineData("{\"alg\":\"HS256\",\"kty\":\"oct\",\"kid\":\"a\",\"k\":\"K32\",\"exp\":1.5}", "\"exp\" must be an integer")]
    [InlineData("\"key\"", "keys[0] is not a JSON object")]
    public void Malformed_entries_are_refused_naming_the_member(string entry, string expected)
    {
        Assert.Contains(expected, Refused(Set(entry.Replace("K32", K(32), StringComparison.Ordinal))), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("", "not valid JSON")]
    [InlineData("{\"keys\":[", "not valid JSON")]
    [InlineData("[]", "must be a JSON object with a \"keys\" list")]
    [InlineData("{\"key\":[]}", "must be a JSON object with a \"keys\" list")]
    [InlineData("{\"keys\":\"x\"}", "\"keys\" must be a list")]
    [InlineData("{\"keys\":[]}", "holds no keys")]
    [InlineData("{\"k\\ud800\":1,\"keys\":[]}", "not valid UTF-8 text")] // a lone surrogate in a name before "keys"
    [InlineData("{\"keys\":[{\"alg\":\"HS256\",\"kty\":\"oct\",\"kid\":\"a\\udfff\"}]}", "not valid UTF-8 text")]
    public void Malformed_documents_are_refused(string json, string expected)
    {
        Assert.Contains(expected, Refused(json), StringComparison.Ordinal);
    }

    [Fact]
    public void A_document_with_bytes_that_are_not_utf8_is_refused()
    {
        byte[] json = [.. "{\"keys\":[{\"kid\":\""u8, 0xC3, 0x28, .. "\"}]}"u8];
        Assert.Contains("not valid UTF-8 text", Assert.Throws<JwtKeyException>(() => SlurmJwks.Parse(json, "slurm.jwks")).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Kids_must_be_unique_and_only_one_key_may_be_default()
    {
        string a = $"{{\"alg\":\"HS256\",\"kty\":\"oct\",\"kid\":\"a\",\"k\":\"{K(32)}\",\"use\":\"default\"}}";
        string b = $"{{\"alg\":\"HS256\",\"kty\":\"oct\",\"kid\":\"b\",\"k\":\"{K(32)}\",\"use\":\"default\"}}";
        Assert.Contains("kid \"a\" is used twice", Refused($"{{\"keys\":[{a},{a}]}}"), StringComparison.Ordinal);
        Assert.Contains("second \"use\": \"default\" key", Refused($"{{\"keys\":[{a},{b}]}}"), StringComparison.Ordinal);
    }

    [Fact]
    public void Kid_comparison_is_case_sensitive()
    {
        using SlurmJwks set = Parse($"{{\"keys\":[{{\"alg\":\"HS256\",\"kty\":\"oct\",\"kid\":\"a\",\"k\":\"{K(32)}\"}},{{\"alg\":\"HS256\",\"kty\":\"oct\",\"kid\":\"A\",\"k\":\"{K(32)}\"}}]}}");
        Assert.Equal(2, set.Keys.Count);
    }

    [Fact]
    public void Messages_never_echo_key_material()
    {
        const string secret = "c2VjcmV0LWtleS1tYXRlcmlhbA$$";
        string message = Refused(Set($"{{\"alg\":\"HS256\",\"kty\":\"oct\",\"kid\":\"a\",\"k\":\"{secret}\"}}"));
        Assert.DoesNotContain("c2VjcmV0", message, StringComparison.Ordinal);
    }

    [Fact]
    public void Add_creates_a_private_file_slurm_can_read()
    {
        string kid = SlurmJwks.Add(Path, time: time);
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(Path));
        using JsonDocument doc = JsonDocument.Parse(File.ReadAllText(Path));
        JsonElement key = Assert.Single(doc.RootElement.GetProperty("keys").EnumerateArray());
        Assert.Equal(["alg", "kty", "kid", "k"], key.EnumerateObject().Select(p => p.Name));
        Assert.Equal(("HS256", "oct", kid), (key.GetProperty("alg").GetString(), key.GetProperty("kty").GetString(), key.GetProperty("kid").GetString()));
        Assert.StartsWith("k20250615T", kid, StringComparison.Ordinal);
        using SlurmJwks set = SlurmJwks.Load(Path);
        Assert.Equal(SlurmJwks.KeySize, set.DefaultKey.Length);
    }

    [Fact]
    public void Add_as_default_moves_the_default_and_keeps_other_keys_and_members()
    {
        File.WriteAllText(Path, TwoKeys);
        File.SetUnixFileMode(Path, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        DateTimeOffset expiry = TokenParts.Epoch.AddDays(90);
        SlurmJwks.Add(Path, "third", makeDefault: true, expires: expiry, time: time);
        using SlurmJwks set = SlurmJwks.Load(Path);
        Assert.Equal(["old-key", "new-key", "third"], set.Keys.Select(k => k.KeyId));
        Assert.Equal("third", set.DefaultKey.KeyId);
        Assert.Single(set.Keys, k => k.IsDefault);
        Assert.Equal(expiry, set.Keys[2].Expires);
        Assert.Contains("\"note\": \"kept\"", File.ReadAllText(Path), StringComparison.Ordinal);
        using SlurmJwks original = Parse(TwoKeys);
        Assert.Equal(original.Keys[1].Length, set.Keys[1].Length);
    }

    [Fact]
    public void Old_tokens_keep_verifying_after_a_new_default_key_is_added()
    {
        SlurmJwks.Add(Path, "first", time: time);
        string before;
        using (SlurmJwks set = SlurmJwks.Load(Path))
            before = SlurmToken.Mint("alice", TimeSpan.FromHours(1), set.DefaultKey, time);
        SlurmJwks.Add(Path, "second", makeDefault: true, time: time);
        using (SlurmJwks set = SlurmJwks.Load(Path))
        {
            Assert.Equal("first", SlurmToken.Verify(before, set.Keys, time).KeyId);
            string after = SlurmToken.Mint("alice", TimeSpan.FromHours(1), set.DefaultKey, time);
            Assert.Equal("second", SlurmToken.Verify(after, set.Keys, time).KeyId);
        }
    }

    [Fact]
    public void Retiring_a_key_makes_its_tokens_fail_and_keeps_the_rest()
    {
        File.WriteAllText(Path, TwoKeys);
        File.SetUnixFileMode(Path, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        string oldToken;
        using (SlurmJwks set = SlurmJwks.Load(Path))
            oldToken = SlurmToken.Mint("alice", TimeSpan.FromMinutes(5), set.Keys[0], time);
        SlurmJwks.Retire(Path, "old-key");
        using (SlurmJwks set = SlurmJwks.Load(Path))
        {
            Assert.Equal(["new-key"], set.Keys.Select(k => k.KeyId));
            Assert.Contains("no HS256 key with kid \"old-key\"", Assert.Throws<TokenRejectedException>(() => SlurmToken.Verify(oldToken, set.Keys, time)).Message, StringComparison.Ordinal);
        }
        Assert.Contains("\"note\": \"kept\"", File.ReadAllText(Path), StringComparison.Ordinal);
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(Path));
    }

    [Fact]
    public void The_default_key_and_unknown_kids_cannot_be_retired()
    {
        File.WriteAllText(Path, TwoKeys);
        File.SetUnixFileMode(Path, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        Assert.Contains("add a new default first", Assert.Throws<JwtKeyException>(() => SlurmJwks.Retire(Path, "new-key")).Message, StringComparison.Ordinal);
        Assert.Contains("it has: old-key, new-key", Assert.Throws<JwtKeyException>(() => SlurmJwks.Retire(Path, "nope")).Message, StringComparison.Ordinal);
        Assert.Equal(TwoKeys, File.ReadAllText(Path));
    }

    [Fact]
    public void Add_refuses_a_taken_kid_and_a_past_expiry()
    {
        SlurmJwks.Add(Path, "one", time: time);
        string before = File.ReadAllText(Path);
        Assert.Contains("already has a key \"one\"", Assert.Throws<JwtKeyException>(() => SlurmJwks.Add(Path, "one", time: time)).Message, StringComparison.Ordinal);
        Assert.Throws<ArgumentException>(() => SlurmJwks.Add(Path, "two", expires: TokenParts.Epoch, time: time));
        Assert.Throws<ArgumentException>(() => SlurmJwks.Add(Path, "has space", time: time));
        Assert.Equal(before, File.ReadAllText(Path));
    }

    [Fact]
    public void Add_refuses_to_touch_a_file_slurm_would_reject()
    {
        File.WriteAllText(Path, Set($"{{\"alg\":\"HS256\",\"kty\":\"oct\",\"kid\":\"a\",\"k\":\"{K(8)}\"}}"));
        File.SetUnixFileMode(Path, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        string before = File.ReadAllText(Path);
        Assert.Throws<JwtKeyException>(() => SlurmJwks.Add(Path, time: time));
        Assert.Equal(before, File.ReadAllText(Path));
    }

    [Fact]
    public void File_readable_by_others_is_refused()
    {
        SlurmJwks.Add(Path, time: time);
        File.SetUnixFileMode(Path, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.OtherRead);
        Assert.Contains($"chmod 600 {Path}", Assert.Throws<JwtKeyException>(() => SlurmJwks.Load(Path)).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void An_expired_default_key_is_reported_as_unusable()
    {
        SlurmJwks.Add(Path, "soon", makeDefault: true, expires: TokenParts.Epoch.AddMinutes(1), time: time);
        using SlurmJwks set = SlurmJwks.Load(Path);
        set.CheckUsable(Path, time.Now);
        Assert.Contains("default key \"soon\" expired", Assert.Throws<JwtKeyException>(() => set.CheckUsable(Path, time.Now.AddMinutes(2))).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Keys_written_by_add_are_random()
    {
        SlurmJwks.Add(Path, "a", time: time);
        SlurmJwks.Add(Path, "b", time: time);
        using JsonDocument doc = JsonDocument.Parse(File.ReadAllText(Path));
        string[] ks = [.. doc.RootElement.GetProperty("keys").EnumerateArray().Select(k => k.GetProperty("k").GetString()!)];
        Assert.NotEqual(ks[0], ks[1]);
        Assert.All(ks, k => Assert.True(Base64Url.TryDecode(k, out byte[] b) && b.Length == 32 && b.Any(x => x != 0)));
    }
}
