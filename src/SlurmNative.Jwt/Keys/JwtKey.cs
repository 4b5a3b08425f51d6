using System.Security.Cryptography;

namespace SlurmNative.Jwt.Keys;

/// <summary>
/// A key that signs or verifies compact JWS tokens with one algorithm. The two kinds Slurm's
/// auth/jwt accepts are HS256 (a shared secret) and RS256 (RSA, looked up by kid).
/// </summary>
public abstract class JwtKey : IDisposable
{
    public const string HS256 = "HS256";
    public const string RS256 = "RS256";

    private protected JwtKey(string? keyId) => KeyId = keyId;

    /// <summary>The JWS "alg" this key is used with.</summary>
    public abstract string Algorithm { get; }

    /// <summary>The "kid" put in and matched against token headers; null for jwt_hs256.key.</summary>
    public string? KeyId { get; }

    public abstract bool CanSign { get; }

    internal abstract byte[] Sign(ReadOnlySpan<byte> signingInput);

    internal abstract bool Verify(ReadOnlySpan<byte> signingInput, ReadOnlySpan<byte> signature);

    public override string ToString() => KeyId is null ? $"{Algorithm} key" : $"{Algorithm} key '{KeyId}'";

    public void Dispose()
    {
        Dispose(true);
        GC.SuppressFinalize(this);
    }

    protected virtual void Dispose(bool disposing)
    {
    }
}

/// <summary>An HS256 shared secret: jwt_hs256.key.</summary>
public sealed class HmacKey : JwtKey
{
    private readonly byte[] secret;

    public HmacKey(ReadOnlySpan<byte> secret, string? keyId = null)
        : base(keyId)
    {
        if (secret.IsEmpty)
            throw new ArgumentException("an HS256 key cannot be empty", nameof(secret));
        this.secret = secret.ToArray();
    }

    public override string Algorithm => HS256;

    public override bool CanSign => true;

    public int Length => secret.Length;

    internal override byte[] Sign(ReadOnlySpan<byte> signingInput) => HMACSHA256.HashData(secret, signingInput);

    internal override bool Verify(ReadOnlySpan<byte> signingInput, ReadOnlySpan<byte> signature)
    {
        Span<byte> expected = stackalloc byte[HMACSHA256.HashSizeInBytes];
        HMACSHA256.HashData(secret, signingInput, expected);
        // FixedTimeEquals is constant-time only for equal lengths; a wrong length is no secret.
        return signature.Length == expected.Length && CryptographicOperations.FixedTimeEquals(expected, signature);
    }

    protected override void Dispose(bool disposing) => CryptographicOperations.ZeroMemory(secret);
}

/// <summary>An RS256 key: a private key that signs, or a public one (from a JWKS) that verifies.</summary>
public sealed class RsaKey : JwtKey
{
    private readonly RSA rsa;

    /// <param name="rsa">owned from now on: disposed with this key.</param>
    public RsaKey(RSA rsa, string keyId, bool hasPrivateKey, DateTimeOffset? created = null)
        : base(keyId)
    {
        ArgumentException.ThrowIfNullOrEmpty(keyId);
        this.rsa = rsa;
        CanSign = hasPrivateKey;
        Created = created;
    }

    public override string Algorithm => RS256;

    public override bool CanSign { get; }

    /// <summary>When the key was generated, if known.</summary>
    public DateTimeOffset? Created { get; }

    public int KeySizeInBits => rsa.KeySize;

    public RSAParameters ExportParameters(bool includePrivate) => rsa.ExportParameters(includePrivate);

    internal override byte[] Sign(ReadOnlySpan<byte> signingInput)
    {
        if (!CanSign)
            throw new InvalidOperationException($"{this} is a public key; it cannot sign");
        return rsa.SignData(signingInput.ToArray(), HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
    }

    internal override bool Verify(ReadOnlySpan<byte> signingInput, ReadOnlySpan<byte> signature) =>
        rsa.VerifyData(signingInput, signature, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);

    protected override void Dispose(bool disposing)
    {
        if (disposing)
            rsa.Dispose();
    }
}
