using System.Security.Cryptography;
using System.Text;
using CsCheck;
using SlurmNative.Fuzz.Engine;
using SlurmNative.Jwt;
using SlurmNative.Jwt.Keys;
using SlurmNative.Jwt.Tokens;

namespace SlurmNative.Fuzz.Targets.Jwt;

/// <summary>
/// Key sets as the JWT library reads them: the first input byte picks the published RS256
/// JWKS or SlurmNative's private RSA key set; the rest is the file. Structured
/// inputs are the test key's real fields with one changed.
/// </summary>
internal sealed class JwksTarget() : FuzzTarget(
    "jwks",
    "PublicJwks.Parse, RsaKeySet.Parse: JWK sets",
    typeof(JwtKeyException),
    new MemoryBound(32, 256 * 1024, Why: "RSA key import"))
{
    private static readonly RSAParameters Key = FuzzKeys.RsaPrivate;

    public override Outcome Run(byte[] input)
    {
        ReadOnlySpan<byte> json = input.AsSpan(Math.Min(input.Length, 1));
        if (input.Length == 0 || input[0] % 2 == 0)
        {
            foreach (RsaKey key in PublicJwks.Parse(json, "fuzz.jwks"))
                key.Dispose();
        }
        else
        {
            RsaKeySet.Parse(json, "fuzz-keyset.json").Dispose();
        }
        return Outcome.Accepted;
    }

    public override IReadOnlyList<byte[]> Dictionary => Gateway.JsonDictionary.Tokens;

    private static string B64(byte[] bytes) => Gens.Quote(Base64Url.Encode(bytes));

    /// <summary>A binary member: right, cut short, one byte more, padded base64, not base64, or another JSON type.</summary>
    private static Gen<string> Binary(byte[] right) => Gen.Frequency(
        (12, Gen.Const(B64(right))),
        (1, Gen.Const(B64(right[..^1]))),
        (1, Gen.Const(B64([0, .. right]))),
        (1, Gen.Const(Gens.Quote(Convert.ToBase64String(right)))),
        (1, Gen.OneOf("\"!!\"", "\"\"", "\"A\"", "1", "null", "[]")),
        (1, Gens.Bytes(0, 600).Select(B64)));

    private static readonly Gen<string> RsaPublicEntry = Gens.JsonObject(
        Gens.Member("kty", Gen.OneOf("\"RSA\"", "\"oct\"")),
        Gens.Member("alg", Gen.OneOf("\"RS256\"", "\"rs256\"", "\"HS256\"")),
        Gens.Member("use", Gen.OneOf("\"sig\"")),
        Gens.Member("kid", Gen.OneOf(Gens.Quote(FuzzKeys.RsaKid), "\"\"", "\"k2\"")),
        Gens.Member("n", Binary(Key.Modulus!)),
        Gens.Member("e", Gen.OneOf(Binary(Key.Exponent!), Gen.OneOf("\"AQAB\"", "\"AA\"", "\"Aw\""))))
        .Select(Encoding.UTF8.GetString);

    private static readonly Gen<string> RsaPrivateEntry = Gens.JsonObject(
        Gens.Member("kty", Gen.OneOf("\"RSA\"")),
        Gens.Member("alg", Gen.OneOf("\"RS256\"")),
        Gens.Member("use", Gen.OneOf("\"sig\"")),
        Gens.Member("kid", Gen.OneOf(Gens.Quote(FuzzKeys.RsaKid), "\"k2\"")),
        Gens.Member("created", Gen.OneOf(Gen.OneOf("1700000000", "0", "-1", "253402300800", "-62135596801", "9223372036854775807", "1.5"), Gen.Long.Select(n => n.ToString(System.Globalization.CultureInfo.InvariantCulture)))),
        Gens.Member("n", Binary(Key.Modulus!)),
        Gens.Member("e", Binary(Key.Exponent!)),
        Gens.Member("d", Binary(Key.D!)),
        Gens.Member("p", Binary(Key.P!)),
        Gens.Member("q", Binary(Key.Q!)),
        Gens.Member("dp", Binary(Key.DP!)),
        Gens.Member("dq", Binary(Key.DQ!)),
        Gens.Member("qi", Binary(Key.InverseQ!)))
        .Select(Encoding.UTF8.GetString);

    private static Gen<byte[]> Set(byte selector, Gen<string> entry) =>
        Gen.Frequency((10, entry.Array[0, 3].Select(e => "{\"keys\":[" + string.Join(",", e) + "]}")), (1, Gens.JsonValue))
            .Select(json => new[] { selector }.Concat(Encoding.UTF8.GetBytes(json)).ToArray());

    public override Gen<byte[]> Structured { get; } = Gen.Frequency(
        (3, Set(0, RsaPublicEntry)),
        (2, Set(1, RsaPrivateEntry)));
}
