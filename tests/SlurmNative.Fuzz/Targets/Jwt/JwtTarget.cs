using System.Security.Cryptography;
using System.Text;
using CsCheck;
using SlurmNative.Fuzz.Engine;
using SlurmNative.Jwt;
using SlurmNative.Jwt.Keys;
using SlurmNative.Jwt.Tokens;

namespace SlurmNative.Fuzz.Targets.Jwt;

/// <summary>
/// A token as SlurmToken.Verify checks it against jwt_hs256.key, an HS256 key with a kid and an RS256
/// JWKS key. The property that matters: nothing verifies unless one of those keys, of the
/// algorithm the header names, signed exactly that token; the target checks every token that
/// verifies against the keys itself.
/// </summary>
internal sealed class JwtTarget() : FuzzTarget(
    "jwt",
    "SlurmToken.Verify: header, payload and signature of a compact JWS",
    typeof(TokenRejectedException),
    new MemoryBound(32))
{
    private static readonly DateTimeOffset Now = new(2030, 1, 1, 0, 0, 0, TimeSpan.Zero);
    private static readonly long NowSeconds = Now.ToUnixTimeSeconds();

    private static readonly RSA Signer = FuzzKeys.PrivateRsa();
    private readonly IReadOnlyCollection<JwtKey> keys = FuzzKeys.VerificationKeys();
    private readonly FixedTime clock = new(Now);

    public override Gen<byte[]> Structured { get; } = Gen.Select(Header, Payload, Gen.Int[0, 11], Gen.Int[0, 9], Gens.Bytes(0, 300))
        .Select((header, payload, signing, encoding, noise) => Encoding.UTF8.GetBytes(Token(header, payload, signing, encoding, noise)));

    public override Outcome Run(byte[] input)
    {
        string token = Encoding.UTF8.GetString(input);
        SlurmToken.Verify(token, keys, clock);
        if (!SignedWithKey(token.Trim()))
            throw new PropertyViolation("a token verified that none of the keys signed for the algorithm its header names");
        return Outcome.Accepted;
    }

    private bool SignedWithKey(string token)
    {
        string[] parts = token.Split('.');
        if (parts.Length != 3 || !Base64Url.TryDecode(parts[0], out byte[] header) || !Base64Url.TryDecode(parts[2], out byte[] signature))
            return false;
        byte[] signed = Encoding.ASCII.GetBytes(parts[0] + "." + parts[1]);
        using var json = System.Text.Json.JsonDocument.Parse(header);
        return json.RootElement.GetProperty("alg").GetString() switch
        {
            JwtKey.HS256 => CryptographicOperations.FixedTimeEquals(signature, HMACSHA256.HashData(FuzzKeys.HmacSecret, signed))
                || CryptographicOperations.FixedTimeEquals(signature, HMACSHA256.HashData(FuzzKeys.JwksSecret, signed)),
            JwtKey.RS256 => Signer.VerifyData(signed, signature, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1),
            _ => false,
        };
    }

    public override IReadOnlyList<byte[]> Dictionary { get; } =
        new[] { ".", "=", "+", "/", "-", "_", "eyJ", "eyJhbGciOiJub25lIn0", "eyJhbGciOiJIUzI1NiJ9", " ", "\n" }.Select(Encoding.UTF8.GetBytes).ToArray();

    private static string Token(string header, string payload, int signing, int encoding, byte[] noise)
    {
        string input = Encode(Encoding.UTF8.GetBytes(header)) + "." + Encode(Encoding.UTF8.GetBytes(payload));
        byte[] data = Encoding.ASCII.GetBytes(input);
        byte[] signature = signing switch
        {
            0 or 1 or 2 => HMACSHA256.HashData(FuzzKeys.HmacSecret, data),
            3 or 4 => HMACSHA256.HashData(FuzzKeys.JwksSecret, data),
            5 => Signer.SignData(data, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1),
            // The RSA public key's bytes as an HMAC secret: the classic algorithm confusion.
            6 => HMACSHA256.HashData(FuzzKeys.RsaPublic.Modulus!, data),
            7 => HMACSHA256.HashData(noise, data),
            8 => [],
            9 => noise,
            _ => HMACSHA256.HashData(FuzzKeys.HmacSecret, data).AsSpan(0, 31).ToArray(),
        };
        string token = input + "." + Encode(signature);
        return encoding switch
        {
            0 => token + "=",
            1 => token.Replace('-', '+').Replace('_', '/'),
            2 => " " + token + "\n",
            3 => token + "." + Encode(noise),
            _ => token,
        };
    }

    private static string Encode(byte[] bytes) => Base64Url.Encode(bytes);

    private static readonly Gen<string> Header = Gens.JsonObject(
        Gens.Member("alg", Gen.Frequency((6, Gen.Const("\"HS256\"")), (2, Gen.Const("\"RS256\"")), (2, Gen.OneOf("\"none\"", "\"NONE\"", "\"hs256\"", "\"ES256\"", "\"\""))), wrong: 1, missing: 1),
        Gens.Member("typ", Gen.Frequency((8, Gen.Const("\"JWT\"")), (1, Gen.OneOf("\"jwt\"", "\"JWS\""))), wrong: 1, missing: 4),
        Gens.Member("kid", Gen.Frequency((4, Gen.OneOf(Gens.Quote(FuzzKeys.JwksKid), Gens.Quote(FuzzKeys.RsaKid))), (1, Gen.Const("\"other\"")), (1, Gens.JsonString)), wrong: 1, missing: 6),
        Gen.Frequency((10, Gen.Const((string?)null)), (1, Gen.Const((string?)"\"crit\":[\"exp\"]"))))
        .Select(Encoding.UTF8.GetString);

    private static readonly Gen<string> Time = Gen.Frequency(
        (6, Gen.Long[NowSeconds, NowSeconds + 3600].Select(t => t.ToString(System.Globalization.CultureInfo.InvariantCulture))),
        (2, Gen.Long[NowSeconds - 3600, NowSeconds].Select(t => t.ToString(System.Globalization.CultureInfo.InvariantCulture))),
        (1, Gen.OneOf("0", "-1", "253402300799", "253402300800", "9223372036854775807", "1e10", "\"1893456000\"", "null")));

    private static readonly Gen<string> Payload = Gens.JsonObject(
        Gens.Member("exp", Time, wrong: 1, missing: 1),
        Gens.Member("iat", Time, wrong: 1, missing: 1),
        Gens.Member("sun", Gen.Frequency((6, Gen.Const("\"alice\"")), (1, Gen.OneOf("\"\"", "\"-rf\"")), (1, Gens.JsonString)), wrong: 1, missing: 2),
        Gens.Member("username", Gens.JsonString, wrong: 1, missing: 8))
        .Select(Encoding.UTF8.GetString);
}
