using System.Security.Cryptography;
using Microsoft.Win32.SafeHandles;
using SlurmNative.Credentials.Accounts;

namespace SlurmNative.Jwt.Files;

/// <summary>The account a key file is handed to, normally SlurmUser.</summary>
public sealed record FileOwner(string Name, uint Uid, uint Gid)
{
    /// <summary>Looks the user up in the name service; its primary group becomes the file's group.</summary>
    public static FileOwner FromUserName(string name)
    {
        PasswdEntry entry = UserDatabase.PasswdByName(name)
            ?? throw new JwtKeyException($"no such user '{name}': name the account slurmctld runs as (SlurmUser in slurm.conf)");
        return new FileOwner(entry.Name, entry.Uid, entry.Gid);
    }
}

/// <summary>How private a key file must be.</summary>
public enum KeyFileSecrecy
{
    /// <summary>
    /// Secret keys: nothing for others, and the group may at most read (0600, or 0640 to share the key
    /// with one service through the file's group, as Slurm documents for jwt_hs256.key). Anyone else
    /// who can read it can mint tokens for any user.
    /// </summary>
    Secret,

    /// <summary>Published public keys: readable by all, writable by the owner only (0644).</summary>
    Public,
}

/// <summary>
/// Reads and writes key files the way a credential must be handled: never through a
/// symlink, checked on the open descriptor (mode, owner, type), written to a temporary
/// file in the same directory and renamed into place so a reader sees the old file or the
/// new one, never a partial one.
/// </summary>
internal static class KeyFile
{
    private const uint Other = 0x7;                         // 0007
    private const uint GroupWriteOrExecute = 0x18;          // 0030
    private const uint GroupOrOtherWrite = 0x12;            // 0022
    private const UnixFileMode SecretMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
    private const UnixFileMode PublicMode = SecretMode | UnixFileMode.GroupRead | UnixFileMode.OtherRead;

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
        SafeFileHandle fd = Interop.Libc.open(path, Interop.Libc.O_RDONLY | Interop.Libc.O_NOFOLLOW | Interop.Libc.O_NONBLOCK | Interop.Libc.O_CLOEXEC, 0);
        if (fd.IsInvalid)
        {
            int errno = Interop.Libc.GetLastErrno();
            fd.Dispose();
            throw errno switch
            {
                Interop.Libc.ENOENT => new JwtKeyException($"{what} {path} does not exist: {createHint}"),
                Interop.Libc.ELOOP => SymlinkRefused(path, what),
                Interop.Libc.EACCES => new JwtKeyException($"cannot read {what} {path}: permission denied; run as root or as the key's owner (SlurmUser)"),
                _ => new JwtKeyException($"cannot open {what} {path}: {Interop.Libc.StrError(errno)}"),
            };
        }
        using (fd)
        {
            if (Interop.Libc.FStat(fd, out Interop.Libc.Statx status) != 0)
                throw new JwtKeyException($"cannot stat {what} {path}: {Interop.Libc.StrError(Interop.Libc.GetLastErrno())}");
            if (status.FileType != Interop.Libc.S_IFREG)
                throw new JwtKeyException($"{what} {path} is not a regular file: point at the key file itself");
            CheckMode(path, status.Permissions, secrecy, what);
            CheckOwner(path, status.stx_uid, expectedOwnerUid, what);
            if (status.stx_size > (ulong)maxBytes)
                throw new JwtKeyException($"{what} {path} is {status.stx_size} bytes, more than the {maxBytes} such a file can be: is it the right file?");

            byte[] buffer = new byte[maxBytes + 1];
            int total = 0;
            while (total < buffer.Length)
            {
                int read = Interop.Libc.Read(fd, buffer.AsSpan(total));
                if (read < 0)
                    throw new JwtKeyException($"cannot read {what} {path}: {Interop.Libc.StrError(Interop.Libc.GetLastErrno())}");
                if (read == 0)
                    break;
                total += read;
            }
            if (total > maxBytes)
            {
                CryptographicOperations.ZeroMemory(buffer);
                throw new JwtKeyException($"{what} {path} grew past {maxBytes} bytes while being read: is it the right file?");
            }
            byte[] content = buffer.AsSpan(0, total).ToArray();
            CryptographicOperations.ZeroMemory(buffer);
            return content;
        }
    }

    /// <summary>True when something (file, symlink, anything) is at <paramref name="path"/>.</summary>
    internal static bool Exists(string path) => Interop.Libc.LStat(path, out _) == 0;

    /// <summary>
    /// Writes <paramref name="content"/> to <paramref name="path"/> atomically: a new file
    /// (O_CREAT|O_EXCL, mode set before any byte is written) in the same directory, synced,
    /// then renamed over the target. Without <paramref name="replace"/> an existing target is
    /// refused, and the final step will not clobber one that appears meanwhile. A secret that
    /// replaces one its group could read stays readable by that group, so a key rotation does not
    /// lock out the service the administrator shared the key with.
    /// </summary>
    /// <param name="owner">who gets the file; null keeps the owner of the file replaced, or the caller.</param>
    /// <param name="beforeRename">called with the finished temporary file just before it is renamed into place (tests).</param>
    internal static void Write(string path, ReadOnlySpan<byte> content, bool replace, KeyFileSecrecy secrecy, FileOwner? owner, string what,
        Action<string>? beforeRename = null)
    {
        string full = Path.GetFullPath(path);
        string directory = Path.GetDirectoryName(full) ?? "/";
        if (!Directory.Exists(directory))
            throw new JwtKeyException($"directory {directory} does not exist: create it first (mkdir -p -m 755 {directory}), then run again");

        (uint Uid, uint Gid)? chownTo = owner is null ? null : (owner.Uid, owner.Gid);
        UnixFileMode mode = secrecy == KeyFileSecrecy.Secret ? SecretMode : PublicMode;
        if (Interop.Libc.LStat(full, out Interop.Libc.Statx existing) == 0)
        {
            if (existing.FileType == Interop.Libc.S_IFLNK)
                throw SymlinkRefused(full, what);
            if (existing.FileType != Interop.Libc.S_IFREG)
                throw new JwtKeyException($"{full} exists and is not a regular file: choose another path for the {what}");
            if (!replace)
                throw new JwtKeyException($"{what} {full} already exists: refusing to overwrite it; {OverwriteHint}");
            // An update run as root must not take the file away from SlurmUser, nor from the group it was shared with.
            chownTo ??= (existing.stx_uid, existing.stx_gid);
            if (secrecy == KeyFileSecrecy.Secret && owner is null && (existing.Permissions & (uint)UnixFileMode.GroupRead) != 0)
                mode |= UnixFileMode.GroupRead;
        }
        string? temp = Path.Combine(directory, $".{Path.GetFileName(full)}.{Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(6))}.tmp");
        try
        {
            var options = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write, Share = FileShare.None, UnixCreateMode = mode };
            using (var stream = new FileStream(temp, options))
            {
                // The umask may have taken bits away from UnixCreateMode; set exactly what was asked.
                if (Interop.Libc.fchmod(stream.SafeFileHandle, (uint)mode) != 0)
                    throw new JwtKeyException($"cannot set the mode of a new {what} in {directory}: {Interop.Libc.StrError(Interop.Libc.GetLastErrno())}");
                if (chownTo is { } id && Interop.Libc.fchown(stream.SafeFileHandle, id.Uid, id.Gid) != 0)
                {
                    int errno = Interop.Libc.GetLastErrno();
                    throw new JwtKeyException($"cannot give the {what} {full} to uid {id.Uid}: {Interop.Libc.StrError(errno)}; run as root to set its owner");
                }
                stream.Write(content);
                stream.Flush(flushToDisk: true);
            }
            beforeRename?.Invoke(temp);
            if (replace)
            {
                File.Move(temp, full, overwrite: true);
            }
            else
            {
                try
                {
                    // Without overwrite .NET links then unlinks, so a file created meanwhile is not clobbered.
                    File.Move(temp, full, overwrite: false);
                }
                catch (IOException e) when (Exists(full))
                {
                    throw new JwtKeyException($"{what} {full} already exists: refusing to overwrite it; {OverwriteHint}", e);
                }
            }
            temp = null;
            SyncDirectory(directory);
        }
        catch (UnauthorizedAccessException e)
        {
            throw new JwtKeyException($"cannot write the {what} in {directory}: permission denied; run as root or as the directory's owner", e);
        }
        finally
        {
            if (temp is not null)
                File.Delete(temp);
        }
    }

    private static void CheckMode(string path, uint permissions, KeyFileSecrecy secrecy, string what)
    {
        if (secrecy == KeyFileSecrecy.Secret && (permissions & Other) != 0)
            throw new JwtKeyException($"{what} {path} is accessible to others (mode {Octal(permissions)}): anyone who reads it can mint tokens for any user; run 'chmod 600 {path}' (or 'chmod 640 {path}' to let one service's group read it)");
        if (secrecy == KeyFileSecrecy.Secret && (permissions & GroupWriteOrExecute) != 0)
            throw new JwtKeyException($"{what} {path} is writable or executable by its group (mode {Octal(permissions)}): whoever can write it chooses the key; run 'chmod 600 {path}' (or 'chmod 640 {path}' to let one service's group read it)");
        if (secrecy == KeyFileSecrecy.Public && (permissions & GroupOrOtherWrite) != 0)
            throw new JwtKeyException($"{what} {path} is writable by group or others (mode {Octal(permissions)}): whoever can write it chooses which tokens are accepted; run 'chmod go-w {path}'");
    }

    private static void CheckOwner(string path, uint uid, uint? expectedOwnerUid, string what)
    {
        uint self = Interop.Libc.geteuid();
        if (uid == 0 || uid == self || uid == expectedOwnerUid)
            return;
        string name = UserDatabase.PasswdByUid(uid)?.Name ?? "?";
        throw new JwtKeyException($"{what} {path} is owned by uid {uid} ({name}), not by root, SlurmUser or you: its owner could replace the key; run 'chown root {path}' (or 'chown SLURMUSER {path}' and name that user with --owner)");
    }

    private static JwtKeyException SymlinkRefused(string path, string what) =>
        new($"{what} {path} is a symbolic link: refusing it (whoever controls the link controls the key); use the real path");

    // fsync of the directory makes the rename itself durable; some filesystems refuse it, and the data is synced already.
    private static void SyncDirectory(string directory)
    {
        using SafeFileHandle fd = Interop.Libc.open(directory, Interop.Libc.O_RDONLY | Interop.Libc.O_DIRECTORY | Interop.Libc.O_CLOEXEC, 0);
        if (!fd.IsInvalid)
            _ = Interop.Libc.fsync(fd);
    }

    internal static string Octal(uint permissions) => "0" + Convert.ToString(permissions & 0xFFF, 8).PadLeft(3, '0');
}
