using System.Runtime.InteropServices;

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
        LookUp((Span<byte> buffer, out Interop.Libc.Passwd entry, out nint result) =>
            Interop.Libc.getpwnam_r(name, out entry, buffer, (nuint)buffer.Length, out result), ToEntry, $"getpwnam_r '{name}'");

    /// <summary>getpwuid_r: null if no user has this uid.</summary>
    internal static PasswdEntry? PasswdByUid(uint uid) =>
        LookUp((Span<byte> buffer, out Interop.Libc.Passwd entry, out nint result) =>
            Interop.Libc.getpwuid_r(uid, out entry, buffer, (nuint)buffer.Length, out result), ToEntry, $"getpwuid_r {uid}");

    internal static GroupEntry? GroupByName(string name) =>
        LookUp((Span<byte> buffer, out Interop.Libc.Group entry, out nint result) =>
            Interop.Libc.getgrnam_r(name, out entry, buffer, (nuint)buffer.Length, out result), ToEntry, $"getgrnam_r '{name}'");

    internal static GroupEntry? GroupByGid(uint gid) =>
        LookUp((Span<byte> buffer, out Interop.Libc.Group entry, out nint result) =>
            Interop.Libc.getgrgid_r(gid, out entry, buffer, (nuint)buffer.Length, out result), ToEntry, $"getgrgid_r {gid}");

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

    private delegate int Lookup<T>(Span<byte> buffer, out T entry, out nint result) where T : unmanaged;

    private static TEntry? LookUp<T, TEntry>(Lookup<T> lookup, Func<T, TEntry> convert, string operation)
        where T : unmanaged where TEntry : class
    {
        for (int size = InitialBufferSize; ; size *= 2)
        {
            // The entry's strings point into this buffer: pinned, so it stays put until they are copied out.
            byte[] buffer = GC.AllocateUninitializedArray<byte>(size, pinned: true);
            int error = lookup(buffer, out T entry, out nint result);
            if (error == Interop.Libc.ERANGE && size < MaximumBufferSize)
                continue;
            if (error == 0)
            {
                TEntry? found = result == 0 ? null : convert(entry);
                GC.KeepAlive(buffer);
                return found;
            }
            // POSIX lets "not found" be reported as one of these instead of 0 with a NULL result.
            if (error is Interop.Libc.ENOENT or Interop.Libc.ESRCH or Interop.Libc.EBADF or Interop.Libc.EPERM)
                return null;
            throw new IOException(Interop.Libc.Describe(error, operation), error);
        }
    }

    private static PasswdEntry ToEntry(Interop.Libc.Passwd pwd) => new(
        Text(pwd.pw_name), pwd.pw_uid, pwd.pw_gid, Text(pwd.pw_gecos), Text(pwd.pw_dir), Text(pwd.pw_shell));

    private static GroupEntry ToEntry(Interop.Libc.Group grp)
    {
        var members = new List<string>();
        if (grp.gr_mem != 0)
        {
            for (int i = 0; Marshal.ReadIntPtr(grp.gr_mem, i * nint.Size) is var member && member != 0; i++)
                members.Add(Text(member));
        }
        return new GroupEntry(Text(grp.gr_name), grp.gr_gid, members);
    }

    private static string Text(nint value) => Marshal.PtrToStringUTF8(value) ?? string.Empty;
}
