using System.Security.Cryptography;
using SlurmNative.Jwt.Keys;

namespace SlurmNative.Fuzz.Targets.Jwt;

/// <summary>
/// Fixed keys, so that a saved input means the same on every run: an HS256 secret, a
/// second HS256 key with a kid (the header may name one), and an RSA key made for these tests only
/// (fuzz-only-rsa-2048.pem, embedded; it protects nothing).
/// </summary>
internal static class FuzzKeys
{
    public static readonly byte[] HmacSecret = Enumerable.Range(0, 32).Select(i => (byte)(i * 13 + 1)).ToArray();

    public static readonly byte[] JwksSecret = Enumerable.Range(0, 32).Select(i => (byte)(255 - i)).ToArray();

    public const string JwksKid = "fuzz-hs";

    public static RSAParameters RsaPrivate { get; } = LoadRsa().ExportParameters(includePrivateParameters: true);

    public static RSAParameters RsaPublic => new() { Modulus = RsaPrivate.Modulus, Exponent = RsaPrivate.Exponent };

    public static string RsaKid { get; } = RsaKeySet.Thumbprint(RsaPublic);

    /// <summary>A fresh set of the verification keys (RsaKey owns its RSA object).</summary>
    public static IReadOnlyCollection<JwtKey> VerificationKeys()
    {
        var rsa = RSA.Create();
        rsa.ImportParameters(RsaPublic);
        return [new HmacKey(HmacSecret), new HmacKey(JwksSecret, JwksKid), new RsaKey(rsa, RsaKid, hasPrivateKey: false)];
    }

    public static RSA PrivateRsa()
    {
        var rsa = RSA.Create();
        rsa.ImportParameters(RsaPrivate);
        return rsa;
    }

    private static RSA LoadRsa()
    {
        using Stream pem = typeof(FuzzKeys).Assembly.GetManifestResourceStream("fuzz-only-rsa-2048.pem")
            ?? throw new InvalidOperationException("the embedded test key fuzz-only-rsa-2048.pem is missing from the build");
        using var reader = new StreamReader(pem);
        var rsa = RSA.Create();
        rsa.ImportFromPem(reader.ReadToEnd());
        return rsa;
    }
}
