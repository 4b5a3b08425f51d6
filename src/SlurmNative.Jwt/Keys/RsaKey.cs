using System.Security.Cryptography;

namespace SlurmNative.Jwt.Keys;

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
