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
