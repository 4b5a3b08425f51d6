using System.Security.Cryptography;
using SlurmNative.Jwt.Files;

namespace SlurmNative.Jwt.Keys;

/// <summary>
/// A published public JWKS (the file AuthAltParameters=jwks= names), read the way Slurm
/// 22.05 reads it: entries whose "alg" is not RS256 are skipped ("Only RS256 keys are
/// supported, although other key types may be listed in the file", slurm.conf(5)); an
/// RS256 entry must have "kid", "n" and "e".
/// </summary>
public static class PublicJwks
{
    private const int MaxFileBytes = 1024 * 1024;
    private const string What = "JWKS file";

    /// <summary>Loads the RS256 public keys; the file may be world-readable but not writable by group or others.</summary>
    public static IReadOnlyList<RsaKey> Load(string path, uint? expectedOwnerUid = null)
    {
        byte[] json = KeyFile.Read(path, KeyFileSecrecy.Public, expectedOwnerUid, MaxFileBytes, What, "publish one with 'slurmnative jwt rsa publish KEYSET --out " + path + "'");
        return Parse(json, path);
    }

    internal static IReadOnlyList<RsaKey> Parse(ReadOnlySpan<byte> json, string source)
    {
        var keys = new List<RsaKey>();
        try
        {
            foreach (JwkFields at in JwkFields.Entries(json, source, "publish it again with 'slurmnative jwt rsa publish'"))
            {
                if (!string.Equals(at.OptionalString("alg"), JwtKey.RS256, StringComparison.OrdinalIgnoreCase))
                    continue;
                string kid = at.RequiredString("kid");
                var rsa = RSA.Create();
                try
                {
                    rsa.ImportParameters(new RSAParameters { Modulus = at.RequiredBytes("n"), Exponent = at.RequiredBytes("e") });
                }
                catch (CryptographicException e)
                {
                    rsa.Dispose();
                    throw new JwtKeyException($"{at.Where}: key '{kid}' is not a valid RSA public key ({e.Message})", e);
                }
                keys.Add(new RsaKey(rsa, kid, hasPrivateKey: false));
            }
            if (keys.Count == 0)
                throw new JwtKeyException($"{source} has no RS256 key: publish one with 'slurmnative jwt rsa publish KEYSET --out {source}'");
            return keys;
        }
        catch
        {
            keys.ForEach(k => k.Dispose());
            throw;
        }
    }
}
