using Microsoft.Win32.SafeHandles;

namespace SlurmNative.Credentials.Ccache;

/// <summary>
/// The FILE ccache of a job (or one job step) on a compute node, in a shared directory such as /tmp.
/// Every file is created new (O_CREAT|O_EXCL|O_NOFOLLOW, relative to a directory
/// descriptor checked once), handed to the job user with fchown/fchmod before a byte of
/// the ticket is written, and replaced by rename, so no other user's file or symlink
/// can receive the ticket or stop the job from getting one. Nothing here depends on the
/// process euid (slurmstepd changes it between hooks, for every thread at once).
/// </summary>
internal sealed class NodeCcache : IDisposable
{
    private const uint OwnerReadWrite = 0x180; // 0600
    private static int CreateFlags => Interop.Libc.O_WRONLY | Interop.Libc.O_CREAT | Interop.Libc.O_EXCL | Interop.Libc.O_NOFOLLOW | Interop.Libc.O_CLOEXEC;

    private readonly SafeFileHandle directory;
    private readonly Lock gate = new();
    private bool removed;

    public string DirectoryPath { get; }
    public string FileName { get; }
    public uint Uid { get; }
    public uint Gid { get; }
    public string FullPath => Path.Combine(DirectoryPath, FileName);

    /// <summary>What KRB5CCNAME should say.</summary>
    public string CcacheName => "FILE:" + FullPath;

    private NodeCcache(SafeFileHandle directory, string directoryPath, string fileName, uint uid, uint gid)
    {
        this.directory = directory;
        DirectoryPath = directoryPath;
        FileName = fileName;
        Uid = uid;
        Gid = gid;
    }

    /// <summary>
    /// Writes <paramref name="credential"/> (krb5_marshal_credentials bytes) to a new ccache
    /// named <paramref name="preferredName"/>, or that name with a random suffix when the
    /// name is taken (by a leftover, or by a file someone planted there).
    /// </summary>
    public static NodeCcache Create(string directoryPath, string preferredName, uint uid, uint gid, ReadOnlySpan<byte> credential)
    {
        byte[] contents = FileCcacheFormat.Encode(credential);
        SafeFileHandle directory = OpenCheckedDirectory(directoryPath, uid);
        try
        {
            string name = preferredName;
            for (int attempt = 0; ; attempt++)
            {
                if (TryWriteNew(directory, directoryPath, name, uid, gid, contents))
                    return new NodeCcache(directory, directoryPath, name, uid, gid);
                if (attempt == 8)
                    throw new CcacheException($"could not create a new ccache in {directoryPath}: every name tried already exists; remove stale {preferredName}* files");
                name = preferredName + "_" + RandomSuffix();
            }
        }
        catch
        {
            directory.Dispose();
            throw;
        }
    }

    /// <summary>
    /// The ccache another step of the job made, if <paramref name="fileName"/> in the checked directory
    /// is still what the installer left there: a regular file (not a symlink) owned by the job user,
    /// mode 600. Null if it is anything else, or gone.
    /// </summary>
    public static NodeCcache? TryAdopt(string directoryPath, string fileName, uint uid, uint gid)
    {
        SafeFileHandle directory = OpenCheckedDirectory(directoryPath, uid);
        if (Interop.Libc.LStatAt(directory, fileName, out Interop.Libc.Statx status) != 0
            || status.FileType != Interop.Libc.S_IFREG || status.stx_uid != uid || status.Permissions != OwnerReadWrite)
        {
            directory.Dispose();
            return null;
        }
        return new NodeCcache(directory, directoryPath, fileName, uid, gid);
    }

    /// <summary>The newest unexpired TGT in the file now (another step may have replaced it), or null.</summary>
    public byte[]? ReadTicket(DateTimeOffset now)
    {
        using SafeFileHandle file = Interop.Libc.openat(directory, FileName, Interop.Libc.O_RDONLY | Interop.Libc.O_NOFOLLOW | Interop.Libc.O_CLOEXEC, 0);
        if (file.IsInvalid)
            return null;
        var contents = new byte[MaxFileBytes];
        int total = 0;
        while (total < contents.Length)
        {
            int count = Interop.Libc.Read(file, contents.AsSpan(total));
            if (count <= 0)
                break;
            total += count;
        }
        try
        {
            return FileCcacheFormat.FindTicketGrantingTicket(contents.AsSpan(0, total), now);
        }
        catch (FormatException)
        {
            return null;
        }
    }

    /// <summary>Far above one ticket's ccache, which is all this class writes.</summary>
    private const int MaxFileBytes = 256 * 1024;

    /// <summary>Atomically swaps in a new ticket: a fresh file, then rename over the old one.</summary>
    public void Replace(ReadOnlySpan<byte> credential)
    {
        byte[] contents = FileCcacheFormat.Encode(credential);
        lock (gate)
        {
            ObjectDisposedException.ThrowIf(removed, this);
            string temporary;
            do
                temporary = $".{FileName}.new_{RandomSuffix()}";
            while (!TryWriteNew(directory, DirectoryPath, temporary, Uid, Gid, contents));
            if (Interop.Libc.renameat(directory, temporary, directory, FileName) != 0)
            {
                int errno = Interop.Libc.GetLastErrno();
                Interop.Libc.unlinkat(directory, temporary, 0);
                throw new CcacheException(Interop.Libc.Describe(errno, "rename the renewed ccache over", FullPath));
            }
        }
    }

    /// <summary>Deletes the ccache; true if it was there. Later calls do nothing.</summary>
    public bool Remove()
    {
        lock (gate)
        {
            if (removed)
                return false;
            removed = true;
            if (Interop.Libc.unlinkat(directory, FileName, 0) == 0)
                return true;
            int errno = Interop.Libc.GetLastErrno();
            if (errno == Interop.Libc.ENOENT)
                return false;
            throw new CcacheException(Interop.Libc.Describe(errno, "remove the ccache", FullPath));
        }
    }

    public void Dispose() => directory.Dispose();

    /// <summary>
    /// The directory must be one whose entries other users cannot rename or delete:
    /// owned by root or the job user, and sticky if anyone else may write to it.
    /// </summary>
    internal static SafeFileHandle OpenCheckedDirectory(string directoryPath, uint uid)
    {
        if (!Path.IsPathFullyQualified(directoryPath))
            throw new CcacheException($"ccache directory '{directoryPath}' is not an absolute path; set ccache_dir to one, e.g. /tmp");
        SafeFileHandle directory = Interop.Libc.open(directoryPath, Interop.Libc.O_RDONLY | Interop.Libc.O_DIRECTORY | Interop.Libc.O_NOFOLLOW | Interop.Libc.O_CLOEXEC, 0);
        if (directory.IsInvalid)
        {
            int errno = Interop.Libc.GetLastErrno();
            directory.Dispose();
            throw new CcacheException(Interop.Libc.Describe(errno, "open the ccache directory", directoryPath) +
                (errno == Interop.Libc.ELOOP ? "; it is a symlink: set ccache_dir to the real directory" : "; create it or set ccache_dir to an existing directory"));
        }
        if (Interop.Libc.FStat(directory, out Interop.Libc.Statx status) != 0)
        {
            int errno = Interop.Libc.GetLastErrno();
            directory.Dispose();
            throw new CcacheException(Interop.Libc.Describe(errno, "inspect the ccache directory", directoryPath));
        }
        bool othersMayWrite = (status.Permissions & 0x12) != 0; // group or other write
        bool sticky = (status.Permissions & Interop.Libc.S_ISVTX) != 0;
        if ((status.stx_uid != 0 && status.stx_uid != uid) || (othersMayWrite && !sticky))
        {
            directory.Dispose();
            throw new CcacheException($"ccache directory {directoryPath} (owner uid {status.stx_uid}, mode {Convert.ToString(status.Permissions, 8)}) lets other users replace files in it; " +
                "use a directory owned by root that is sticky if world-writable (like /tmp, mode 1777)");
        }
        return directory;
    }

    /// <returns>false when the name already exists; throws on any other failure.</returns>
    private static bool TryWriteNew(SafeFileHandle directory, string directoryPath, string name, uint uid, uint gid, byte[] contents)
    {
        using SafeFileHandle file = Interop.Libc.openat(directory, name, CreateFlags, OwnerReadWrite);
        if (file.IsInvalid)
        {
            int errno = Interop.Libc.GetLastErrno();
            // ELOOP: a symlink sits at the name; like any existing entry, it is left alone.
            if (errno is Interop.Libc.EEXIST or Interop.Libc.ELOOP)
                return false;
            throw new CcacheException(Interop.Libc.Describe(errno, "create a ccache in", directoryPath));
        }
        try
        {
            HandToOwner(file, uid, gid, Path.Combine(directoryPath, name));
            if (Interop.Libc.WriteAll(file, contents) != 0)
                throw new CcacheException(Interop.Libc.Describe(Interop.Libc.GetLastErrno(), "write the ccache", Path.Combine(directoryPath, name)));
            return true;
        }
        catch
        {
            Interop.Libc.unlinkat(directory, name, 0);
            throw;
        }
    }

    /// <summary>
    /// Owner and mode are set before the ticket is written. As root this is fchown; as
    /// the job user (euid already theirs) fchown to oneself may be refused, and the file
    /// is already theirs: the check that follows is what matters.
    /// </summary>
    private static void HandToOwner(SafeFileHandle file, uint uid, uint gid, string path)
    {
        Interop.Libc.fchown(file, uid, gid);
        if (Interop.Libc.fchmod(file, OwnerReadWrite) != 0)
            throw new CcacheException(Interop.Libc.Describe(Interop.Libc.GetLastErrno(), "chmod 600", path));
        if (Interop.Libc.FStat(file, out Interop.Libc.Statx status) != 0)
            throw new CcacheException(Interop.Libc.Describe(Interop.Libc.GetLastErrno(), "inspect the new ccache", path));
        if (status.stx_uid != uid || status.Permissions != OwnerReadWrite)
            throw new CcacheException($"the new ccache {path} belongs to uid {status.stx_uid} with mode {Convert.ToString(status.Permissions, 8)}, not to uid {uid} with mode 600; slurmstepd must run as root");
    }

    private static string RandomSuffix() =>
        string.Create(8, 0, static (span, _) =>
        {
            const string Alphabet = "abcdefghijklmnopqrstuvwxyz0123456789";
            for (int i = 0; i < span.Length; i++)
                span[i] = Alphabet[KernelRandom.Below(Alphabet.Length)];
        });
}
