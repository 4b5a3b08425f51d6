using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using Microsoft.Win32.SafeHandles;
using SlurmNative.Credentials.Accounts;

namespace SlurmNative.Daemon.Crypto;

/// <summary>
/// The one rule for the daemon's secret files (the key file, the database password): a regular
/// file, not a symlink, owned by the user reading it and private to that user, checked on the
/// open descriptor so the answer is about the file actually read.
/// </summary>
internal static class ProtectedFile
{
    private const UnixFileMode GroupOrOther = UnixFileMode.GroupRead | UnixFileMode.GroupWrite | UnixFileMode.GroupExecute
        | UnixFileMode.OtherRead | UnixFileMode.OtherWrite | UnixFileMode.OtherExecute;

    /// <param name="what">what the file is, for messages: "key file", "store password file".</param>
    /// <param name="createHint">what to do when the file does not exist.</param>
    /// <exception cref="ProtectedFileException">missing, unreadable, a symlink, someone else's, readable by others, too large or not UTF-8.</exception>
    public static string ReadText(string path, uint readerUid, string what, int maxBytes, string createHint)
    {
        RefuseSymlink(path, what);
        SafeFileHandle handle;
        try
        {
            handle = File.OpenHandle(path, FileMode.Open, FileAccess.Read, FileShare.Read);
        }
        catch (FileNotFoundException e)
        {
            throw new ProtectedFileException($"{what} {path} does not exist: {createHint}", e);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new ProtectedFileException($"cannot open {what} {path}: {e.Message}", e);
        }
        using (handle)
        {
            UnixFileMode mode = File.GetUnixFileMode(handle);
            if ((mode & GroupOrOther) != 0)
                throw new ProtectedFileException($"{what} {path} is accessible to group or others (mode {Convert.ToString((int)mode, 8).PadLeft(4, '0')}): run 'chmod 600 {path}'");
            // Closes the window between the symlink check and the open.
            RefuseSymlink(path, what);
            // Mode 0600 protects nothing if the file belongs to someone else: its owner can
            // chmod it and rewrite what the daemon trusts.
            uint owner = OwnerOf(handle, path, what);
            if (owner != readerUid)
                throw new ProtectedFileException($"{what} {path} belongs to uid {owner}{NameSuffix(owner)}, not to uid {readerUid}{NameSuffix(readerUid)} reading it (the daemon's user): whoever owns the file controls what it says; if its content is trusted, run 'chown {UserDatabase.PasswdByUid(readerUid)?.Name ?? readerUid.ToString(CultureInfo.InvariantCulture)} {path}'");

            long length = RandomAccess.GetLength(handle);
            if (length > maxBytes)
                throw new ProtectedFileException($"{what} {path} is {length} bytes, more than such a file holds (is this the right file?)");
            byte[] buffer = new byte[length];
            int total = 0;
            while (total < buffer.Length)
            {
                int read = RandomAccess.Read(handle, buffer.AsSpan(total), total);
                if (read == 0)
                    break;
                total += read;
            }
            try
            {
                return new UTF8Encoding(false, true).GetString(buffer, 0, total);
            }
            catch (DecoderFallbackException e)
            {
                throw new ProtectedFileException($"{what} {path} is not UTF-8 text", e);
            }
            finally
            {
                CryptographicOperations.ZeroMemory(buffer);
            }
        }
    }

    public static bool IsSymlink(string path) => new FileInfo(path).LinkTarget is not null;

    public static string SymlinkRefusal(string path, string what) =>
        $"{what} {path} is a symbolic link: refusing it (whoever controls the link controls what is read); point the configuration at the real file";

    private static void RefuseSymlink(string path, string what)
    {
        if (IsSymlink(path))
            throw new ProtectedFileException(SymlinkRefusal(path, what));
    }

    private static uint OwnerOf(SafeFileHandle handle, string path, string what)
    {
        if (Interop.Libc.FStat(handle, out Interop.Libc.Statx status) != 0)
        {
            int errno = Interop.Libc.GetLastErrno();
            throw new ProtectedFileException($"cannot check the owner of {what} {path}: {Interop.Libc.Describe(errno, "fstat")}");
        }
        return status.stx_uid;
    }

    private static string NameSuffix(uint uid) => UserDatabase.PasswdByUid(uid) is { } user ? $" ({user.Name})" : "";
}
