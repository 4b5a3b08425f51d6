using System.Security.Cryptography;

namespace SlurmNative.Jwt.Keys;

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
