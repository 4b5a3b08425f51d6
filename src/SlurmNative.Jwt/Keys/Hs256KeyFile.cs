using System.Security.Cryptography;
using SlurmNative.Jwt.Files;

namespace SlurmNative.Jwt.Keys;

/// <summary>
/// jwt_hs256.key, the shared secret of AuthAltParameters=jwt_key= (default:
/// StateSaveLocation/jwt_hs256.key). Slurm uses the file's bytes, all of them, as the
/// HMAC key (auth_jwt.c maps the whole file), so the file holds raw random bytes, no
/// encoding and no newline: what jwt.html's `dd if=/dev/random bs=32 count=1` makes.
/// </summary>
public static class Hs256KeyFile
{
    /// <summary>jwt.html's example key size.</summary>
    public const int KeySize = 32;

    /// <summary>
    /// RFC 7518 §3.2: an HS256 key must be at least as long as the hash output (256 bits).
    /// Slurm 22.05 would take shorter files; this tool refuses to sign with one.
    /// </summary>
    public const int MinimumKeySize = 32;

    // Larger than any sensible secret, small enough that the wrong file is caught.
    private const int MaxFileBytes = 64 * 1024;

    private const string What = "HS256 key file";

    internal static string CreateHint(string path) => $"create it with 'slurmnative jwt keygen {path} --owner SLURMUSER' and set AuthAltParameters=jwt_key={path} in slurm.conf and slurmdbd.conf";

    /// <summary>Writes a new key of <see cref="KeySize"/> random bytes, mode 0600, owned by <paramref name="owner"/> when given.</summary>
    /// <param name="force">replace an existing key file (every token signed with it stops verifying).</param>
    public static void Create(string path, bool force, FileOwner? owner = null)
    {
        byte[] key = RandomNumberGenerator.GetBytes(KeySize);
        try
        {
            KeyFile.Write(path, key, replace: force, KeyFileSecrecy.Secret, owner, What);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(key);
        }
    }

    /// <summary>Loads and checks the key file; refuses one that is unsafe or too short to sign with.</summary>
    /// <param name="expectedOwnerUid">SlurmUser's uid, allowed to own the file besides root and the caller.</param>
    public static HmacKey Load(string path, uint? expectedOwnerUid = null)
    {
        return KeyFile.ReadSecret(path, expectedOwnerUid, MaxFileBytes, What, CreateHint(path), content =>
        {
            if (content.Length == 0)
                throw new JwtKeyException($"{What} {path} is empty: {CreateHint(path)} (with --force to replace it)");
            if (content.Length < MinimumKeySize)
                throw new JwtKeyException($"{What} {path} holds {content.Length} bytes; an HS256 key needs at least {MinimumKeySize} (RFC 7518): make a new one with 'slurmnative jwt keygen {path} --force' and restart slurmctld and slurmdbd");
            return new HmacKey(content);
        });
    }
}
