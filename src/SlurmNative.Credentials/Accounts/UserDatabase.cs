namespace SlurmNative.Credentials.Accounts;

/// <summary>
/// Users and groups through libc's reentrant lookups, so NSS (files, LDAP, SSSD) answers as it does for
/// Slurm itself. Null means there is no such entry; a failing lookup (NSS down, …) throws IOException.
/// </summary>
internal static class UserDatabase
{
    private const int InitialBufferSize = 1024;
    private const int MaximumBufferSize = 1024 * 1024;
    private const int MaximumGroups = 65536;

    /// <summary>getpwnam_r: null if there is no such user.</summary>
    internal static PasswdEntry? PasswdByName(string name) =>
        LookUp((Span<byte> buffer, out PasswdEntry? entry) =>
        {
            int error = Interop.Libc.PasswdByName(name, buffer, out var found);
            entry = ToEntry(found);
            return error;
        }, $"getpwnam_r '{name}'");

    /// <summary>getpwuid_r: null if no user has this uid.</summary>
    internal static PasswdEntry? PasswdByUid(uint uid) =>
        LookUp((Span<byte> buffer, out PasswdEntry? entry) =>
        {
            int error = Interop.Libc.PasswdByUid(uid, buffer, out var found);
            entry = ToEntry(found);
            return error;
        }, $"getpwuid_r {uid}");

    internal static GroupEntry? GroupByName(string name) =>
        LookUp((Span<byte> buffer, out GroupEntry? entry) =>
        {
            int error = Interop.Libc.GroupByName(name, buffer, out var found);
            entry = ToEntry(found);
            return error;
        }, $"getgrnam_r '{name}'");

    internal static GroupEntry? GroupByGid(uint gid) =>
        LookUp((Span<byte> buffer, out GroupEntry? entry) =>
        {
            int error = Interop.Libc.GroupByGid(gid, buffer, out var found);
            entry = ToEntry(found);
            return error;
        }, $"getgrgid_r {gid}");

    /// <summary>getgrouplist: every gid <paramref name="user"/> belongs to, <paramref name="primaryGid"/> included.</summary>
    internal static uint[] GroupList(string user, uint primaryGid)
    {
        int count = 32;
        while (true)
        {
            var groups = new uint[count];
            int capacity = count;
            if (Interop.Libc.getgrouplist(user, primaryGid, groups, ref count) >= 0)
                return groups.AsSpan(0, count).ToArray();
            if (count <= capacity)
                count = capacity * 2;   // glibc sets the needed count; be safe if it did not grow
            if (count > MaximumGroups)
                throw new IOException($"getgrouplist '{user}': more than {MaximumGroups} groups");
        }
    }

    private delegate int Lookup<TEntry>(Span<byte> buffer, out TEntry? entry) where TEntry : class;

    // Grows the buffer on ERANGE up to a limit; treats the errno values POSIX allows for "not found" as absent.
    private static TEntry? LookUp<TEntry>(Lookup<TEntry> lookup, string operation) where TEntry : class
    {
        for (int size = InitialBufferSize; ; size *= 2)
        {
            byte[] buffer = GC.AllocateUninitializedArray<byte>(size);
            int error = lookup(buffer, out TEntry? entry);
            if (error == Interop.Libc.ERANGE && size < MaximumBufferSize)
                continue;
            if (error == 0)
                return entry;
            // POSIX lets "not found" be reported as one of these instead of 0 with a NULL result.
            if (error is Interop.Libc.ENOENT or Interop.Libc.ESRCH or Interop.Libc.EBADF or Interop.Libc.EPERM)
                return null;
            throw new IOException(Interop.Libc.Describe(error, operation), error);
        }
    }

    private static PasswdEntry? ToEntry((string Name, uint Uid, uint Gid, string Gecos, string Directory, string Shell)? pwd) =>
        pwd is { } p ? new(p.Name, p.Uid, p.Gid, p.Gecos, p.Directory, p.Shell) : null;

    private static GroupEntry? ToEntry((string Name, uint Gid, string[] Members)? grp) =>
        grp is { } g ? new(g.Name, g.Gid, g.Members) : null;
}
