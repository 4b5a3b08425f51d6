using System.Security.Cryptography;
using System.Text;
using Microsoft.Win32.SafeHandles;
using SlurmNative.Credentials.Accounts;

namespace SlurmNative.Credentials.SecretFiles;

/// <summary>
/// The one way a file that holds a key is read and written. Reads open with O_NOFOLLOW and judge
/// the descriptor actually opened (fstat: a regular file, an accepted owner, no forbidden mode
/// bits), so a symlink or a swap between a check and the open cannot slip another file in.
/// Writes go to a new file in the same directory, given its mode (and owner) before any byte is
/// written, synced, renamed over the target and the directory synced: a reader, or a restart
/// after a crash, finds the old file or the new one, never a partial one.
/// </summary>
public static class SecretFile
{
    /// <summary>Reads the whole file after checking it against <paramref name="rules"/>; the caller wipes the bytes.</summary>
    /// <param name="what">the file's role in messages: "key file", "HS256 key file".</param>
    /// <param name="createHint">how to create the file when it is missing.</param>
    /// <exception cref="SecretFileException">missing, a symlink, not a regular file, someone else's, too open, too large or unreadable.</exception>
    public static byte[] Read(string path, SecretFileRules rules, string what, int maxBytes, string createHint)
    {
        using SafeFileHandle fd = OpenChecked(path, rules, what, createHint)
            ?? throw new SecretFileException($"{what} {path} does not exist: {createHint}");
        Interop.Libc.Statx status = Stat(fd, path, what);
        if (status.stx_size > (ulong)maxBytes)
            throw new SecretFileException($"{what} {path} is {status.stx_size} bytes, more than the {maxBytes} such a file can be: is it the right file?");

        byte[] buffer = new byte[maxBytes + 1];
        try
        {
            int total = 0;
            while (total < buffer.Length)
            {
                int read = Interop.Libc.Read(fd, buffer.AsSpan(total));
                if (read < 0)
                    throw new SecretFileException($"cannot read {what} {path}: {Interop.Libc.StrError(Interop.Libc.GetLastErrno())}");
                if (read == 0)
                    break;
                total += read;
            }
            if (total > maxBytes)
                throw new SecretFileException($"{what} {path} grew past {maxBytes} bytes while being read: is it the right file?");
            return buffer.AsSpan(0, total).ToArray();
        }
        finally
        {
            CryptographicOperations.ZeroMemory(buffer);
        }
    }

    /// <summary><see cref="Read"/> for a file of UTF-8 text; the bytes read are wiped.</summary>
    /// <exception cref="SecretFileException">as <see cref="Read"/>, or the file is not UTF-8.</exception>
    public static string ReadText(string path, SecretFileRules rules, string what, int maxBytes, string createHint)
    {
        byte[] content = Read(path, rules, what, maxBytes, createHint);
        try
        {
            return new UTF8Encoding(false, true).GetString(content);
        }
        catch (DecoderFallbackException e)
        {
            throw new SecretFileException($"{what} {path} is not UTF-8 text", e);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(content);
        }
    }

    /// <summary>Checks the file against <paramref name="rules"/> without reading it; false when it does not exist.</summary>
    /// <exception cref="SecretFileException">a symlink, not a regular file, someone else's, too open, or unreadable.</exception>
    public static bool Check(string path, SecretFileRules rules, string what)
    {
        using SafeFileHandle? fd = OpenChecked(path, rules, what, createHint: null);
        return fd is not null;
    }

    /// <summary>
    /// Writes <paramref name="content"/> to <paramref name="path"/> atomically (see the type's summary).
    /// Without <see cref="SecretFileWrite.Replace"/> an existing target is refused, and the final
    /// step will not clobber one that appears meanwhile; a symlink at the target is always refused.
    /// </summary>
    /// <param name="beforeRename">called with the finished temporary file just before it is renamed into place (tests play a crash there).</param>
    /// <exception cref="SecretFileException">the target cannot or may not be written; the message says why.</exception>
    public static void Write(string path, ReadOnlySpan<byte> content, SecretFileWrite how, string what, Action<string>? beforeRename = null)
    {
        ArgumentNullException.ThrowIfNull(how);
        string full = Path.GetFullPath(path);
        string directory = Path.GetDirectoryName(full) ?? "/";
        if (!Directory.Exists(directory))
            throw new SecretFileException($"directory {directory} does not exist: create it first (mkdir -p -m 755 {directory}), then run again");

        (uint Uid, uint Gid)? chownTo = how.Owner;
        UnixFileMode mode = how.Mode;
        if (Interop.Libc.LStat(full, out Interop.Libc.Statx existing) == 0)
        {
            if (existing.FileType == Interop.Libc.S_IFLNK)
                throw SymlinkRefused(full, what);
            if (existing.FileType != Interop.Libc.S_IFREG)
                throw new SecretFileException($"{full} exists and is not a regular file: choose another path for the {what}");
            if (!how.Replace)
                throw AlreadyExists(full, what, how.ExistsHint);
            if (how.KeepOwner)
                chownTo ??= (existing.stx_uid, existing.stx_gid);
            if (how.KeepGroupRead && how.Owner is null && (existing.Permissions & (uint)UnixFileMode.GroupRead) != 0)
                mode |= UnixFileMode.GroupRead;
        }
        string? temp = Path.Combine(directory, $".{Path.GetFileName(full)}.{Convert.ToHexStringLower(KernelRandom.Bytes(6))}.tmp");
        try
        {
            var options = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write, Share = FileShare.None, UnixCreateMode = mode };
            using (var stream = new FileStream(temp, options))
            {
                // The umask may have taken bits away from UnixCreateMode; set exactly what was asked.
                if (Interop.Libc.fchmod(stream.SafeFileHandle, (uint)mode) != 0)
                    throw new SecretFileException($"cannot set the mode of a new {what} in {directory}: {Interop.Libc.StrError(Interop.Libc.GetLastErrno())}");
                if (chownTo is { } id && Interop.Libc.fchown(stream.SafeFileHandle, id.Uid, id.Gid) != 0)
                {
                    int errno = Interop.Libc.GetLastErrno();
                    throw new SecretFileException($"cannot give the {what} {full} to uid {id.Uid}: {Interop.Libc.StrError(errno)}; run as root to set its owner");
                }
                stream.Write(content);
                stream.Flush(flushToDisk: true);
            }
            beforeRename?.Invoke(temp);
            if (how.Replace)
            {
                // rename(2) replaces the name, never writes through a symlink planted at the target meanwhile.
                File.Move(temp, full, overwrite: true);
            }
            else
            {
                try
                {
                    // Without overwrite .NET links then unlinks, so a file created meanwhile is not clobbered.
                    File.Move(temp, full, overwrite: false);
                }
                catch (IOException e) when (Interop.Libc.LStat(full, out _) == 0)
                {
                    throw AlreadyExists(full, what, how.ExistsHint, e);
                }
            }
            temp = null;
            SyncDirectory(directory);
        }
        catch (UnauthorizedAccessException e)
        {
            throw new SecretFileException($"cannot write the {what} in {directory}: permission denied; run as root or as the directory's owner", e);
        }
        finally
        {
            if (temp is not null)
                File.Delete(temp);
        }
    }

    /// <summary>" (name)" for a uid the name service knows, "" otherwise.</summary>
    public static string NameSuffix(uint uid) => UserDatabase.PasswdByUid(uid) is { } user ? $" ({user.Name})" : "";

    /// <summary>The mode bits in the octal form chmod takes: "0640".</summary>
    public static string Octal(uint permissions) => "0" + Convert.ToString(permissions & 0xFFF, 8).PadLeft(3, '0');

    /// <returns>the checked descriptor, or null when the file is missing and <paramref name="createHint"/> is null.</returns>
    private static SafeFileHandle? OpenChecked(string path, SecretFileRules rules, string what, string? createHint)
    {
        SafeFileHandle fd = Interop.Libc.open(path, Interop.Libc.O_RDONLY | Interop.Libc.O_NOFOLLOW | Interop.Libc.O_NONBLOCK | Interop.Libc.O_CLOEXEC, 0);
        if (fd.IsInvalid)
        {
            int errno = Interop.Libc.GetLastErrno();
            fd.Dispose();
            if (errno == Interop.Libc.ENOENT && createHint is null)
                return null;
            throw errno switch
            {
                Interop.Libc.ENOENT => new SecretFileException($"{what} {path} does not exist: {createHint}"),
                Interop.Libc.ELOOP => SymlinkRefused(path, what),
                Interop.Libc.EACCES => new SecretFileException($"cannot read {what} {path}: permission denied; run as root or as the file's owner"),
                _ => new SecretFileException($"cannot open {what} {path}: {Interop.Libc.StrError(errno)}"),
            };
        }
        try
        {
            Interop.Libc.Statx status = Stat(fd, path, what);
            if (status.FileType != Interop.Libc.S_IFREG)
                throw new SecretFileException($"{what} {path} is not a regular file: point at the file itself");
            uint tooOpen = status.Permissions & (uint)rules.Forbidden;
            if (tooOpen != 0)
                throw new SecretFileException($"{what} {path} has mode {Octal(status.Permissions)}, which lets {Who(tooOpen)} at it: whoever can read it holds the secret, whoever can write it chooses it; {rules.ModeFix(path)}");
            if (!rules.Owners.Contains(status.stx_uid))
                throw new SecretFileException($"{what} {path} belongs to uid {status.stx_uid}{NameSuffix(status.stx_uid)}, not to {rules.OwnersText}: whoever owns the file controls what it says; {rules.OwnerFix(path)}");
            return fd;
        }
        catch
        {
            fd.Dispose();
            throw;
        }
    }

    private static Interop.Libc.Statx Stat(SafeFileHandle fd, string path, string what)
    {
        if (Interop.Libc.FStat(fd, out Interop.Libc.Statx status) != 0)
            throw new SecretFileException($"cannot check {what} {path}: {Interop.Libc.Describe(Interop.Libc.GetLastErrno(), "fstat")}");
        return status;
    }

    private static string Who(uint bits) =>
        (bits & Interop.Libc.S_IRWXO) == 0 ? "its group" : (bits & Interop.Libc.S_IRWXG) == 0 ? "others" : "its group and others";

    private static SecretFileException SymlinkRefused(string path, string what) =>
        new($"{what} {path} is a symbolic link: refusing it (whoever controls the link controls what is read); point the configuration at the real file");

    private static SecretFileException AlreadyExists(string full, string what, string hint, Exception? inner = null) =>
        new($"{what} {full} already exists: refusing to overwrite it; {hint}", inner);

    // fsync of the directory makes the rename itself durable; some filesystems refuse it, and the data is synced already.
    private static void SyncDirectory(string directory)
    {
        using SafeFileHandle fd = Interop.Libc.open(directory, Interop.Libc.O_RDONLY | Interop.Libc.O_DIRECTORY | Interop.Libc.O_CLOEXEC, 0);
        if (!fd.IsInvalid)
            _ = Interop.Libc.fsync(fd);
    }
}
