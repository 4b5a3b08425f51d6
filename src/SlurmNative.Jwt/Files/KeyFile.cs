using SlurmNative.Credentials.SecretFiles;

namespace SlurmNative.Jwt.Files;

/// <summary>
/// Key files read and written through <see cref="SecretFile"/>, with the rules Slurm applies to
/// its own: a key owned by root, SlurmUser or the caller; a secret its group may at most read.
/// </summary>
internal static class KeyFile
{
    private const UnixFileMode PublicMode = SecretFileWrite.Private | UnixFileMode.GroupRead | UnixFileMode.OtherRead;
    private const UnixFileMode SecretForbidden = UnixFileMode.OtherRead | UnixFileMode.OtherWrite | UnixFileMode.OtherExecute
        | UnixFileMode.GroupWrite | UnixFileMode.GroupExecute;
    private const UnixFileMode PublicForbidden = UnixFileMode.GroupWrite | UnixFileMode.OtherWrite;

    internal const string OverwriteHint = "replace it deliberately with --force (whatever was signed with the old key stops verifying)";

    /// <summary>
    /// <see cref="Read"/> a secret file, hand its bytes to <paramref name="use"/>, and wipe
    /// them afterwards whatever happens, so no copy of a key outlives the call.
    /// </summary>
    internal static T ReadSecret<T>(string path, uint? expectedOwnerUid, int maxBytes, string what, string createHint, Func<byte[], T> use)
    {
        byte[] content = Read(path, KeyFileSecrecy.Secret, expectedOwnerUid, maxBytes, what, createHint);
        try
        {
            return use(content);
        }
        finally
        {
            System.Security.Cryptography.CryptographicOperations.ZeroMemory(content);
        }
    }

    /// <summary>
    /// Reads a whole key file after checking it: a regular file, not a symlink, owned by root,
    /// by the caller or by <paramref name="expectedOwnerUid"/> (SlurmUser), and no more open
    /// than <paramref name="secrecy"/> allows. A secret the caller reads through the file's group
    /// (the REST gateway reading SlurmUser's key) is accepted the way slurmctld accepts it.
    /// </summary>
    /// <param name="what">the file's role in messages, e.g. "HS256 key file".</param>
    /// <param name="createHint">how to create the file when it is missing.</param>
    internal static byte[] Read(string path, KeyFileSecrecy secrecy, uint? expectedOwnerUid, int maxBytes, string what, string createHint)
    {
        try
        {
            return SecretFile.Read(path, Rules(secrecy, expectedOwnerUid), what, maxBytes, createHint);
        }
        catch (SecretFileException e)
        {
            throw new JwtKeyException(e.Message, e);
        }
    }

    /// <summary>True when something (file, symlink, anything) is at <paramref name="path"/>.</summary>
    internal static bool Exists(string path) => Interop.Libc.LStat(path, out _) == 0;

    /// <summary>
    /// Writes <paramref name="content"/> to <paramref name="path"/> atomically through <see cref="SecretFile.Write"/>.
    /// Without <paramref name="replace"/> an existing target is refused. A replaced file keeps its
    /// owner unless <paramref name="owner"/> is given, and a secret that replaces one its group could
    /// read stays readable by that group, so a key rotation does not lock out the service the
    /// administrator shared the key with.
    /// </summary>
    /// <param name="owner">who gets the file; null keeps the owner of the file replaced, or the caller.</param>
    /// <param name="beforeRename">called with the finished temporary file just before it is renamed into place (tests).</param>
    internal static void Write(string path, ReadOnlySpan<byte> content, bool replace, KeyFileSecrecy secrecy, FileOwner? owner, string what,
        Action<string>? beforeRename = null)
    {
        var how = new SecretFileWrite(secrecy == KeyFileSecrecy.Secret ? SecretFileWrite.Private : PublicMode, replace, OverwriteHint,
            owner is null ? null : (owner.Uid, owner.Gid), KeepOwner: true, KeepGroupRead: secrecy == KeyFileSecrecy.Secret);
        try
        {
            SecretFile.Write(path, content, how, what, beforeRename);
        }
        catch (SecretFileException e)
        {
            throw new JwtKeyException(e.Message, e);
        }
    }

    private static SecretFileRules Rules(KeyFileSecrecy secrecy, uint? expectedOwnerUid)
    {
        uint self = Interop.Libc.geteuid();
        uint[] owners = expectedOwnerUid is { } expected ? [0, self, expected] : [0, self];
        return secrecy == KeyFileSecrecy.Secret
            ? new SecretFileRules(owners, "root, SlurmUser or you", OwnerFix, SecretForbidden,
                path => $"anyone who reads it can mint tokens for any user; run 'chmod 600 {path}' (or 'chmod 640 {path}' to let one service's group read it)")
            : new SecretFileRules(owners, "root, SlurmUser or you", OwnerFix, PublicForbidden,
                path => $"whoever can write it chooses which tokens are accepted; run 'chmod go-w {path}'");
    }

    private static string OwnerFix(string path) => $"its owner could replace the key; run 'chown root {path}' (or 'chown SLURMUSER {path}' and name that user with --owner)";
}
