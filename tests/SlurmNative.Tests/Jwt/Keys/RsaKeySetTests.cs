using System.Security.Cryptography;
using System.Text.Json;
using System.Text.Json.Nodes;
using SlurmNative.Jwt;
using SlurmNative.Jwt.Keys;
using SlurmNative.Jwt.Tokens;
using SlurmNative.Tests.TestSupport;

namespace SlurmNative.Tests.Jwt.Keys;

public sealed class RsaKeySetTests : IDisposable
{
    private static readonly string[] PrivateMembers = ["d", "p", "q", "dp", "dq", "qi"];

    private readonly TempDirectory dir = new();
    private readonly ManualTime time = new(TokenParts.Epoch);

    public void Dispose() => dir.Dispose();

    private string SetPath => dir.File("signing.jwks");

    private string Published => dir.File("jwks.json");

    private string MintWithCurrent(string user = "alice")
    {
        using RsaKeySet set = RsaKeySet.Load(SetPath);
        return SlurmToken.Mint(user, TimeSpan.FromHours(1), set.Current, time);
    }

    private VerifiedToken VerifyPublished(string token)
    {
        RsaKeySet.Publish(SetPath, Published);
        IReadOnlyList<RsaKey> keys = PublicJwks.Load(Published);
        try
        {
            return SlurmToken.Verify(token, keys, time);
        }
        finally
        {
            foreach (RsaKey k in keys)
                k.Dispose();
        }
    }

    [Fact]
    public void Init_creates_a_private_set_with_one_key_whose_kid_is_its_thumbprint()
    {
        string kid = RsaKeySet.Create(SetPath, force: false, time: time);
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(SetPath));
        using RsaKeySet set = RsaKeySet.Load(SetPath);
        RsaKey key = Assert.Single(set.Keys);
        Assert.Equal(kid, key.KeyId);
        Assert.Equal(RsaKeySet.Thumbprint(key.ExportParameters(false)), kid);
        Assert.Equal(2048, key.KeySizeInBits);
        Assert.True(key.CanSign);
        Assert.Equal(TokenParts.Epoch, key.Created);
    }

    [Fact]
    public void Thumbprint_matches_the_rfc_7638_example()
    {
        // RFC 7638 §3.1: this RSA key's thumbprint is NzbLsXh8uDCcd-6MNwXF4W_7noWXFZAfHkxZsRGC9Xs.
        const string n = "0vx7agoebGcQSuuPiLJXZptN9nndrQmbXEps2aiAFbWhM78LhWx4cbbfAAtVT86zwu1RK7aPFFxuhDR1L6tSoc_BJECPebWKRXjBZCiFV4n3oknjhMstn64tZ_2W-5JsGY4Hc5n9yBXArwl93lqt7_RN5w6Cf0h4QyQ5v-65YGjQR0_FDW2QvzqY368QQMicAtaSqzs8KJZgnYb9c7d0zgdAZHzu6qMQvRL5hajrn1n91CbOpbISD08qNLyrdkt-bFTWhAI4vMQFh6WeZu0fM4lFd2NcRwr3XPksINHaQ-G_xBniIqbw0Ls1jF44-csFCur-kEgU8awapJzKnqDKgw";
        Assert.True(Base64Url.TryDecode(n, out byte[] modulus));
        Assert.Equal("NzbLsXh8uDCcd-6MNwXF4W_7noWXFZAfHkxZsRGC9Xs", RsaKeySet.Thumbprint(new RSAParameters { Modulus = modulus, Exponent = [1, 0, 1] }));
    }

    [Fact]
    public void Init_refuses_an_existing_set_without_force()
    {
        RsaKeySet.Create(SetPath, force: false);
        string before = File.ReadAllText(SetPath);
        JwtKeyException e = Assert.Throws<JwtKeyException>(() => RsaKeySet.Create(SetPath, force: false));
        Assert.Contains("rsa rotate", e.Message, StringComparison.Ordinal);
        Assert.Contains("--force", e.Message, StringComparison.Ordinal);
        Assert.Equal(before, File.ReadAllText(SetPath));
        RsaKeySet.Create(SetPath, force: true);
        Assert.NotEqual(before, File.ReadAllText(SetPath));
    }

    [Fact]
    public void Published_jwks_has_the_public_members_slurm_reads_and_no_private_one()
    {
        string kid = RsaKeySet.Create(SetPath, force: false);
        RsaKeySet.Publish(SetPath, Published);
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead, File.GetUnixFileMode(Published));
        using JsonDocument jwks = JsonDocument.Parse(File.ReadAllText(Published));
        JsonElement key = Assert.Single(jwks.RootElement.GetProperty("keys").EnumerateArray());
        Assert.Equal(["kty", "alg", "use", "kid", "n", "e"], key.EnumerateObject().Select(p => p.Name));
        Assert.Equal(("RSA", "RS256", "sig", kid, "AQAB"), (key.GetProperty("kty").GetString(), key.GetProperty("alg").GetString(), key.GetProperty("use").GetString(), key.GetProperty("kid").GetString(), key.GetProperty("e").GetString()));
        Assert.True(Base64Url.TryDecode(key.GetProperty("n").GetString()!, out byte[] modulus));
        Assert.Equal(256, modulus.Length);
        Assert.True(modulus[0] >= 0x80, "a 2048-bit modulus has its top bit set, so n has no leading zero byte");
        foreach (string member in PrivateMembers)
            Assert.DoesNotContain($"\"{member}\"", File.ReadAllText(Published), StringComparison.Ordinal);
    }

    [Fact]
    public void Rotation_signs_with_the_new_key_and_keeps_old_tokens_valid_until_retired()
    {
        string first = RsaKeySet.Create(SetPath, force: false);
        string before = MintWithCurrent("alice");

        string second = RsaKeySet.Rotate(SetPath, time: time);
        Assert.NotEqual(first, second);
        using (RsaKeySet set = RsaKeySet.Load(SetPath))
            Assert.Equal([second, first], set.Keys.Select(k => k.KeyId));
        string after = MintWithCurrent("bob");
        Assert.Equal(second, VerifyPublished(after).KeyId);
        Assert.Equal(first, VerifyPublished(before).KeyId);

        RsaKeySet.Retire(SetPath, first);
        using (RsaKeySet set = RsaKeySet.Load(SetPath))
            Assert.Equal([second], set.Keys.Select(k => k.KeyId));
        Assert.Contains($"no RS256 key with kid \"{first}\"", Assert.Throws<TokenRejectedException>(() => VerifyPublished(before)).Message, StringComparison.Ordinal);
        Assert.Equal("bob", VerifyPublished(after).UserName);
    }

    [Fact]
    public void The_current_signing_key_cannot_be_retired()
    {
        string kid = RsaKeySet.Create(SetPath, force: false);
        JwtKeyException e = Assert.Throws<JwtKeyException>(() => RsaKeySet.Retire(SetPath, kid));
        Assert.Contains("current signing key", e.Message, StringComparison.Ordinal);
        Assert.Contains("rotate first", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Retiring_an_unknown_kid_lists_the_known_ones()
    {
        string kid = RsaKeySet.Create(SetPath, force: false);
        JwtKeyException e = Assert.Throws<JwtKeyException>(() => RsaKeySet.Retire(SetPath, "nope"));
        Assert.Contains(kid, e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Key_set_readable_by_others_is_refused()
    {
        RsaKeySet.Create(SetPath, force: false);
        File.SetUnixFileMode(SetPath, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.OtherRead);
        Assert.Contains($"chmod 600 {SetPath}", Assert.Throws<JwtKeyException>(() => RsaKeySet.Load(SetPath)).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Published_jwks_writable_by_others_is_refused_but_world_readable_is_fine()
    {
        RsaKeySet.Create(SetPath, force: false);
        RsaKeySet.Publish(SetPath, Published);
        PublicJwks.Load(Published);
        File.SetUnixFileMode(Published, File.GetUnixFileMode(Published) | UnixFileMode.OtherWrite);
        Assert.Contains("chmod go-w", Assert.Throws<JwtKeyException>(() => PublicJwks.Load(Published)).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_private_key_that_does_not_match_its_public_half_is_refused()
    {
        RsaKeySet.Create(SetPath, force: false);
        string other = dir.File("other.jwks");
        RsaKeySet.Create(other, force: false);
        JsonNode mine = JsonNode.Parse(File.ReadAllText(SetPath))!;
        JsonNode theirs = JsonNode.Parse(File.ReadAllText(other))!;
        mine["keys"]![0]!["d"] = theirs["keys"]![0]!["d"]!.GetValue<string>();
        WritePrivate(SetPath, mine.ToJsonString());
        Assert.Contains("keys[0]", Assert.Throws<JwtKeyException>(() => RsaKeySet.Load(SetPath)).Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("253402300800")] // one second after DateTimeOffset.MaxValue
    [InlineData("9223372036854775807")]
    [InlineData("-1")]
    public void A_creation_time_no_date_can_hold_is_refused_with_the_place(string created)
    {
        RsaKeySet.Create(SetPath, force: false);
        JsonNode set = JsonNode.Parse(File.ReadAllText(SetPath))!;
        set["keys"]![0]!["created"] = JsonNode.Parse(created);
        WritePrivate(SetPath, set.ToJsonString());
        Assert.Contains("keys[0]: \"created\" is out of range", Assert.Throws<JwtKeyException>(() => RsaKeySet.Load(SetPath)).Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("not json", "not valid JSON")]
    [InlineData("[]", "must be a JSON object with a \"keys\" list")]
    [InlineData("{\"keys\":{}}", "\"keys\" must be a list")]
    [InlineData("{\"keys\":[]}", "holds no keys")]
    [InlineData("{\"keys\":[1]}", "keys[0] is not a JSON object")]
    [InlineData("{\"keys\":[{\"kty\":\"oct\",\"alg\":\"RS256\",\"kid\":\"a\"}]}", "\"kty\" is \"oct\"; it must be \"RSA\"")]
    [InlineData("{\"keys\":[{\"kty\":\"RSA\",\"alg\":\"HS256\",\"kid\":\"a\"}]}", "\"alg\" is \"HS256\"; it must be \"RS256\"")]
    [InlineData("{\"keys\":[{\"kty\":\"RSA\",\"alg\":\"RS256\"}]}", "\"kid\" is missing")]
    [InlineData("{\"keys\":[{\"kty\":\"RSA\",\"alg\":\"RS256\",\"kid\":\"a\",\"n\":\"AQAB\",\"e\":\"AQAB\"}]}", "\"d\" is missing")]
    public void Malformed_key_sets_are_refused_with_the_place(string json, string expected)
    {
        WritePrivate(SetPath, json);
        Assert.Contains(expected, Assert.Throws<JwtKeyException>(() => RsaKeySet.Load(SetPath)).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Public_jwks_skips_non_rs256_entries_as_slurm_does_but_needs_one()
    {
        RsaKeySet.Create(SetPath, force: false);
        RsaKeySet.Publish(SetPath, Published);
        JsonNode jwks = JsonNode.Parse(File.ReadAllText(Published))!;
        jwks["keys"]!.AsArray().Insert(0, JsonNode.Parse("{\"kty\":\"EC\",\"alg\":\"ES256\",\"kid\":\"ec\",\"crv\":\"P-256\"}"));
        File.WriteAllText(Published, jwks.ToJsonString());
        IReadOnlyList<RsaKey> keys = PublicJwks.Load(Published);
        Assert.Single(keys);
        Assert.False(keys[0].CanSign);
        keys[0].Dispose();

        File.WriteAllText(Published, "{\"keys\":[{\"kty\":\"EC\",\"alg\":\"ES256\",\"kid\":\"ec\"}]}");
        Assert.Contains("has no RS256 key", Assert.Throws<JwtKeyException>(() => PublicJwks.Load(Published)).Message, StringComparison.Ordinal);
        File.WriteAllText(Published, "{\"keys\":[{\"alg\":\"RS256\",\"kid\":\"x\",\"e\":\"AQAB\"}]}");
        Assert.Contains("\"n\" is missing", Assert.Throws<JwtKeyException>(() => PublicJwks.Load(Published)).Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(1024)]
    [InlineData(2047)]
    public void Weak_key_sizes_are_not_offered(int bits)
    {
        Assert.Throws<ArgumentException>(() => RsaKeySet.Create(SetPath, force: false, keySize: bits));
        Assert.False(File.Exists(SetPath));
    }

    [Fact]
    public void Rotation_keeps_the_set_private_and_leaves_no_temporary_file()
    {
        RsaKeySet.Create(SetPath, force: false);
        RsaKeySet.Rotate(SetPath);
        RsaKeySet.Rotate(SetPath);
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(SetPath));
        Assert.Equal([SetPath], Directory.GetFiles(dir.Path));
        using RsaKeySet set = RsaKeySet.Load(SetPath);
        Assert.Equal(3, set.Keys.Select(k => k.KeyId).Distinct().Count());
    }

    private static void WritePrivate(string path, string content)
    {
        File.WriteAllText(path, content);
        File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite);
    }
}
