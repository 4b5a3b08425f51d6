using System.Security.Cryptography;
using System.Text.Json;
using SlurmNative.Jwt;
using SlurmNative.Jwt.Keys;
using SlurmNative.Jwt.Tokens;
using SlurmNative.Tests.TestSupport;

namespace SlurmNative.Tests.Jwt.Tokens;

public sealed class SlurmTokenTests : IDisposable
{
    private readonly ManualTime time = new(TokenParts.Epoch);
    private readonly HmacKey key = new(RandomNumberGenerator.GetBytes(32));
    private readonly RsaKey rsa = new(RSA.Create(2048), "rsa-1", hasPrivateKey: true);

    public void Dispose()
    {
        key.Dispose();
        rsa.Dispose();
    }

    private string Mint(string user = "alice", int seconds = 600, JwtKey? with = null) =>
        SlurmToken.Mint(user, TimeSpan.FromSeconds(seconds), with ?? key, time);

    private VerifiedToken Verify(string token, params JwtKey[] keys) => SlurmToken.Verify(token, keys.Length == 0 ? [key] : keys, time);

    private TokenRejectedException Refused(string token, params JwtKey[] keys) => Assert.Throws<TokenRejectedException>(() => Verify(token, keys));

    [Fact]
    public void Hs256_token_carries_exactly_the_claims_scontrol_token_makes()
    {
        string token = Mint("alice", 1800);
        using JsonDocument header = JsonDocument.Parse(TokenParts.Header(token));
        using JsonDocument payload = JsonDocument.Parse(TokenParts.Payload(token));
        Assert.Equal(["alg", "typ"], header.RootElement.EnumerateObject().Select(p => p.Name));
        Assert.Equal("HS256", header.RootElement.GetProperty("alg").GetString());
        Assert.Equal("JWT", header.RootElement.GetProperty("typ").GetString());
        Assert.Equal(["exp", "iat", "sun"], payload.RootElement.EnumerateObject().Select(p => p.Name).Order());
        Assert.Equal("alice", payload.RootElement.GetProperty("sun").GetString());
        Assert.Equal(TokenParts.Epoch.ToUnixTimeSeconds(), payload.RootElement.GetProperty("iat").GetInt64());
        Assert.Equal(TokenParts.Epoch.ToUnixTimeSeconds() + 1800, payload.RootElement.GetProperty("exp").GetInt64());
    }

    [Fact]
    public void Hs256_signature_is_hmac_sha256_of_header_dot_payload()
    {
        byte[] secret = RandomNumberGenerator.GetBytes(32);
        using var own = new HmacKey(secret);
        string token = Mint(with: own);
        string signingInput = token[..token.LastIndexOf('.')];
        Assert.Equal(HMACSHA256.HashData(secret, System.Text.Encoding.ASCII.GetBytes(signingInput)), TokenParts.Signature(token));
    }

    [Fact]
    public void Round_trip_reports_user_times_and_algorithm()
    {
        VerifiedToken verified = Verify(Mint("bob", 90));
        Assert.Equal("bob", verified.UserName);
        Assert.Equal(TokenParts.Epoch, verified.IssuedAt);
        Assert.Equal(TokenParts.Epoch.AddSeconds(90), verified.ExpiresAt);
        Assert.Equal("HS256", verified.Algorithm);
        Assert.Null(verified.KeyId);
    }

    [Fact]
    public void Another_users_name_in_the_payload_breaks_the_signature()
    {
        string token = Mint("alice");
        string forged = TokenParts.WithClaim(token, "sun", "root");
        Assert.Contains("signature does not verify", Refused(forged).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Extending_exp_breaks_the_signature()
    {
        string token = Mint(seconds: 60);
        long exp = TokenParts.Epoch.ToUnixTimeSeconds() + 60;
        Assert.Equal(exp, System.Text.Json.Nodes.JsonNode.Parse(TokenParts.Payload(token))!["exp"]!.GetValue<long>());
        string forged = TokenParts.WithClaim(token, "exp", exp + 86400);
        Assert.NotEqual(token, forged);
        Assert.Contains("signature does not verify", Refused(forged).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Any_flipped_signature_bit_is_refused()
    {
        string token = Mint();
        byte[] signature = TokenParts.Signature(token);
        for (int bit = 0; bit < signature.Length * 8; bit += 37)
        {
            byte[] altered = (byte[])signature.Clone();
            altered[bit / 8] ^= (byte)(1 << (bit % 8));
            Refused(TokenParts.WithSignature(token, altered));
        }
        Refused(TokenParts.WithSignature(token, signature[..^1]));
        Refused(TokenParts.WithSignature(token, []));
    }

    [Theory]
    [InlineData("{\"alg\":\"none\",\"typ\":\"JWT\"}", "unsigned")]
    [InlineData("{\"alg\":\"NONE\"}", "unsigned")]
    [InlineData("{\"alg\":\"HS512\",\"typ\":\"JWT\"}", "not supported")]
    [InlineData("{\"typ\":\"JWT\"}", "has no \"alg\"")]
    [InlineData("{\"alg\":\"HS256\",\"typ\":\"JWE\"}", "\"typ\" is not \"JWT\"")]
    [InlineData("{\"alg\":\"HS256\",\"crit\":[\"b64\"]}", "crit")]
    [InlineData("[\"HS256\"]", "not a JSON object")]
    [InlineData("{\"alg\":", "not valid JSON")]
    [InlineData("{\"alg\":\"HS256\",\"typ\":\"JWT\",\"x\":1}", "signature does not verify")]
    [InlineData("{\"alg\":\"HS256\",\"typ\":\"\\ud800\"}", "not valid UTF-8 text")] // a lone surrogate, read before the signature is checked
    [InlineData("{\"\\udfff\":1,\"alg\":\"HS256\"}", "not valid UTF-8 text")]
    public void Altered_headers_are_refused(string header, string reason)
    {
        Assert.Contains(reason, Refused(TokenParts.WithHeader(Mint(), header)).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Unsigned_token_with_empty_signature_is_refused()
    {
        string token = Mint();
        string[] p = TokenParts.WithHeader(token, "{\"alg\":\"none\"}").Split('.');
        Assert.Contains("unsigned", Refused($"{p[0]}.{p[1]}.").Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Rs256_public_key_cannot_be_used_as_an_hmac_secret()
    {
        // The classic alg confusion: sign HS256 with the published RSA key's bytes and hope the verifier uses it as a secret.
        byte[] published = rsa.ExportParameters(false).Modulus!;
        using var confusion = new HmacKey(published, "rsa-1");
        string forged = SlurmToken.Mint("root", TimeSpan.FromMinutes(5), confusion, time);
        using RsaKey publicOnly = PublicOf(rsa);
        Assert.Contains("no HS256 key", Refused(forged, publicOnly).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Expired_token_is_refused_but_accepted_up_to_its_exp_second()
    {
        string token = Mint(seconds: 60);
        time.Advance(TimeSpan.FromSeconds(60));
        Assert.Equal("alice", Verify(token).UserName);   // Slurm refuses only exp < now
        time.Advance(TimeSpan.FromSeconds(1));
        TokenRejectedException e = Refused(token);
        Assert.Contains("expired", e.Message, StringComparison.Ordinal);
        Assert.Contains("mint a new one", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Token_from_another_key_is_refused()
    {
        using var other = new HmacKey(RandomNumberGenerator.GetBytes(32));
        Refused(Mint(with: other));
    }

    [Theory]
    [InlineData("{\"iat\":1750000000,\"sun\":\"alice\"}", "no \"exp\"")]
    [InlineData("{\"exp\":1750000600,\"sun\":\"alice\"}", "no \"iat\"")]
    [InlineData("{\"exp\":\"1750000600\",\"iat\":1750000000,\"sun\":\"alice\"}", "not an integer")]
    [InlineData("{\"exp\":1750000600.5,\"iat\":1750000000,\"sun\":\"alice\"}", "not an integer")]
    [InlineData("{\"exp\":1750000600,\"iat\":1750000000}", "neither a \"sun\" nor a \"username\"")]
    [InlineData("{\"exp\":1750000600,\"iat\":1750000000,\"sun\":42}", "\"sun\" is not a string")]
    [InlineData("{\"exp\":1750000600,\"iat\":1750000000,\"sun\":\"al\\ud800\"}", "not valid UTF-8 text")]
    public void Claims_slurm_needs_are_checked_on_correctly_signed_tokens(string payload, string reason)
    {
        string token = SignRaw("{\"alg\":\"HS256\",\"typ\":\"JWT\"}", payload, key);
        Assert.Contains(reason, Refused(token).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Username_claim_is_used_when_there_is_no_sun()
    {
        string token = SignRaw("{\"alg\":\"HS256\"}", "{\"exp\":1750000600,\"iat\":1750000000,\"username\":\"carol\"}", key);
        Assert.Equal("carol", Verify(token).UserName);
    }

    [Theory]
    [InlineData("a.b")]
    [InlineData("a.b.c.d")]
    [InlineData("")]
    [InlineData("   ")]
    public void Malformed_tokens_are_refused(string token)
    {
        Refused(token);
    }

    [Fact]
    public void Encrypted_tokens_are_named_as_such()
    {
        Assert.Contains("JWE", Refused("a.b.c.d.e").Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Padded_or_reencoded_parts_are_refused()
    {
        string token = Mint();
        string[] p = token.Split('.');
        Refused($"{p[0]}=.{p[1]}.{p[2]}");
        Refused($"{p[0]}.{p[1]}.{p[2].Replace('-', '+').Replace('_', '/')}x");
    }

    [Fact]
    public void Messages_never_contain_the_signature_or_the_token()
    {
        string token = Mint();
        string signature = token.Split('.')[2];
        time.Advance(TimeSpan.FromDays(1));
        foreach (TokenRejectedException e in new[] { Refused(token), Refused(TokenParts.WithSignature(token, new byte[32])), Refused(token + "x") })
        {
            Assert.DoesNotContain(signature, e.Message, StringComparison.Ordinal);
            Assert.DoesNotContain(token.Split('.')[1], e.Message, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void Rs256_round_trip_puts_the_kid_in_the_header_and_verifies_with_the_public_key()
    {
        string token = Mint("dave", with: rsa);
        using JsonDocument header = JsonDocument.Parse(TokenParts.Header(token));
        Assert.Equal("RS256", header.RootElement.GetProperty("alg").GetString());
        Assert.Equal("rsa-1", header.RootElement.GetProperty("kid").GetString());
        using RsaKey publicOnly = PublicOf(rsa);
        VerifiedToken verified = Verify(token, publicOnly);
        Assert.Equal(("dave", "RS256", "rsa-1"), (verified.UserName, verified.Algorithm, verified.KeyId));
    }

    [Fact]
    public void Rs256_token_with_unknown_or_missing_kid_is_refused()
    {
        string token = Mint(with: rsa);
        using var other = new RsaKey(RSA.Create(2048), "rsa-2", hasPrivateKey: false);
        Assert.Contains("no RS256 key with kid \"rsa-1\"", Refused(token, other).Message, StringComparison.Ordinal);
        Assert.Contains("no \"kid\"", Refused(TokenParts.WithHeader(token, "{\"alg\":\"RS256\",\"typ\":\"JWT\"}"), rsa).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Rs256_token_under_another_keys_kid_is_refused()
    {
        using var impostor = new RsaKey(RSA.Create(2048), "rsa-1", hasPrivateKey: true);
        using RsaKey publicOnly = PublicOf(rsa);
        Assert.Contains("signature does not verify", Refused(Mint(with: impostor), publicOnly).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_public_key_cannot_mint()
    {
        using RsaKey publicOnly = PublicOf(rsa);
        Assert.Throws<JwtKeyException>(() => Mint(with: publicOnly));
    }

    [Fact]
    public void Hs256_kid_selects_among_several_keys()
    {
        using var first = new HmacKey(RandomNumberGenerator.GetBytes(32), "one");
        using var second = new HmacKey(RandomNumberGenerator.GetBytes(32), "two");
        Assert.Equal("one", Verify(Mint(with: first), first, second).KeyId);
        Assert.Equal("two", Verify(Mint(with: second), first, second).KeyId);
        string wrongKid = TokenParts.WithHeader(Mint(with: first), "{\"alg\":\"HS256\",\"typ\":\"JWT\",\"kid\":\"three\"}");
        Assert.Contains("no HS256 key with kid \"three\"", Refused(wrongKid, first, second).Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(-5)]
    public void Lifespan_must_be_positive(int seconds)
    {
        Assert.Throws<ArgumentException>(() => Mint(seconds: seconds));
    }

    [Fact]
    public void Lifespan_must_be_whole_seconds_within_an_int()
    {
        Assert.Throws<ArgumentException>(() => SlurmToken.Mint("a", TimeSpan.FromMilliseconds(1500), key, time));
        Assert.Throws<ArgumentException>(() => SlurmToken.Mint("a", TimeSpan.FromSeconds(int.MaxValue + 1L), key, time));
        SlurmToken.Mint("a", SlurmToken.MaximumLifespan, key, time);
    }

    [Theory]
    [InlineData("")]
    [InlineData("-rf")]
    [InlineData("al ice")]
    [InlineData("root:x")]
    [InlineData("a/b")]
    [InlineData("bell\u0007")]
    public void User_names_slurm_could_not_look_up_are_refused(string user)
    {
        Assert.Throws<ArgumentException>(() => Mint(user));
    }

    [Theory]
    [InlineData("alice")]
    [InlineData("svc_batch-01")]
    [InlineData("alice.smith@example.org")]
    public void Posix_and_sssd_style_names_are_accepted(string user)
    {
        Assert.Equal(user, Verify(Mint(user)).UserName);
    }

    private static RsaKey PublicOf(RsaKey key)
    {
        var rsa = RSA.Create();
        rsa.ImportParameters(key.ExportParameters(false));
        return new RsaKey(rsa, key.KeyId!, hasPrivateKey: false);
    }

    private static string SignRaw(string header, string payload, JwtKey with)
    {
        string input = Base64Url.Encode(System.Text.Encoding.UTF8.GetBytes(header)) + "." + Base64Url.Encode(System.Text.Encoding.UTF8.GetBytes(payload));
        return input + "." + Base64Url.Encode(with.Sign(System.Text.Encoding.ASCII.GetBytes(input)));
    }
}
