using System.Runtime.InteropServices;

namespace SlurmNative;

/// <summary>A passwd entry, copied out of libc's buffers.</summary>
internal sealed record PasswdEntry(string Name, uint Uid, uint Gid, string Gecos, string HomeDirectory, string Shell);

/// <summary>A group entry, copied out of libc's buffers.</summary>
internal sealed record GroupEntry(string Name, uint Gid, IReadOnlyList<string> Members);

internal static partial class Interop
{
    internal static partial class Libc
    {
        // Never fail (POSIX), so no errno.
        [LibraryImport(Libraries.Libc)]
        internal static partial uint getuid();

        [LibraryImport(Libraries.Libc)]
        internal static partial uint geteuid();

        [LibraryImport(Libraries.Libc)]
        internal static partial uint getgid();

        [LibraryImport(Libraries.Libc)]
        internal static partial uint getegid();

        [NativeStruct("struct passwd")]
        [StructLayout(LayoutKind.Sequential)]
        internal struct Passwd
        {
            internal nint pw_name;
            internal nint pw_passwd;
            internal uint pw_uid;
            internal uint pw_gid;
            internal nint pw_gecos;
            internal nint pw_dir;
            internal nint pw_shell;
        }

        [NativeStruct("struct group")]
        [StructLayout(LayoutKind.Sequential)]
        internal struct Group
        {
            internal nint gr_name;
            internal nint gr_passwd;
            internal uint gr_gid;
            internal nint gr_mem;           // char **, NULL-terminated
        }

        // The *_r functions return an errno value (not -1/errno); *result is NULL when there is no entry.
        [LibraryImport(Libraries.Libc, StringMarshalling = StringMarshalling.Utf8)]
        internal static unsafe partial int getpwnam_r(string name, out Passwd pwd, byte* buf, nuint buflen, out nint result);

        [LibraryImport(Libraries.Libc)]
        internal static unsafe partial int getpwuid_r(uint uid, out Passwd pwd, byte* buf, nuint buflen, out nint result);

        [LibraryImport(Libraries.Libc, StringMarshalling = StringMarshalling.Utf8)]
        internal static unsafe partial int getgrnam_r(string name, out Group grp, byte* buf, nuint buflen, out nint result);

        [LibraryImport(Libraries.Libc)]
        internal static unsafe partial int getgrgid_r(uint gid, out Group grp, byte* buf, nuint buflen, out nint result);

        /// <summary>-1 when *ngroups is too small (then *ngroups is the count needed).</summary>
        [LibraryImport(Libraries.Libc, StringMarshalling = StringMarshalling.Utf8)]
        internal static unsafe partial int getgrouplist(string user, uint group, uint* groups, ref int ngroups);

        [NotInNativeHeaders("buffer sizing policy for the *_r lookups, not a C value")]
        private const int InitialBufferSize = 1024;

        [NotInNativeHeaders("buffer sizing policy for the *_r lookups, not a C value")]
        private const int MaximumBufferSize = 1024 * 1024;

        /// <summary>getpwnam_r: null if there is no such user; throws IOException on a lookup failure (NSS down, …).</summary>
        internal static unsafe PasswdEntry? GetPasswdByName(string name) =>
            LookUp((byte* buffer, nuint size, out Passwd entry, out nint result) => getpwnam_r(name, out entry, buffer, size, out result), ToEntry, $"getpwnam_r '{name}'");

        /// <summary>getpwuid_r: null if no user has this uid; throws IOException on a lookup failure.</summary>
        internal static unsafe PasswdEntry? GetPasswdByUid(uint uid) =>
            LookUp((byte* buffer, nuint size, out Passwd entry, out nint result) => getpwuid_r(uid, out entry, buffer, size, out result), ToEntry, $"getpwuid_r {uid}");

        internal static unsafe GroupEntry? GetGroupByName(string name) =>
            LookUp((byte* buffer, nuint size, out Group entry, out nint result) => getgrnam_r(name, out entry, buffer, size, out result), ToEntry, $"getgrnam_r '{name}'");

        internal static unsafe GroupEntry? GetGroupByGid(uint gid) =>
            LookUp((byte* buffer, nuint size, out Group entry, out nint result) => getgrgid_r(gid, out entry, buffer, size, out result), ToEntry, $"getgrgid_r {gid}");

        /// <summary>getgrouplist: every gid <paramref name="user"/> belongs to, <paramref name="primaryGid"/> included.</summary>
        internal static unsafe uint[] GetGroupList(string user, uint primaryGid)
        {
            int count = 32;
            while (true)
            {
                var groups = new uint[count];
                int capacity = count;
                int result;
                fixed (uint* start = groups)
                    result = getgrouplist(user, primaryGid, start, ref count);
                if (result >= 0)
                    return groups.AsSpan(0, count).ToArray();
                if (count <= capacity)
                    count = capacity * 2;   // glibc sets the needed count; be safe if it did not grow
                if (count > 65536)
                    throw new IOException($"getgrouplist '{user}': more than 65536 groups");
            }
        }

        private unsafe delegate int Lookup<T>(byte* buffer, nuint size, out T entry, out nint result) where T : unmanaged;

        private static unsafe TEntry? LookUp<T, TEntry>(Lookup<T> lookup, Func<T, TEntry> convert, string operation)
            where T : unmanaged where TEntry : class
        {
            for (int size = InitialBufferSize; ; size *= 2)
            {
                byte[] buffer = new byte[size];
                fixed (byte* start = buffer)
                {
                    int error = lookup(start, (nuint)size, out T entry, out nint result);
                    if (error == ERANGE && size < MaximumBufferSize)
                        continue;
                    if (error == 0)
                        return result == 0 ? null : convert(entry);
                    // POSIX lets "not found" be reported as one of these instead of 0 with a NULL result.
                    if (error is ENOENT or ESRCH or EBADF or EPERM)
                        return null;
                    throw new IOException(Describe(error, operation), error);
                }
            }
        }

        private static PasswdEntry ToEntry(Passwd pwd) => new(
            Text(pwd.pw_name), pwd.pw_uid, pwd.pw_gid, Text(pwd.pw_gecos), Text(pwd.pw_dir), Text(pwd.pw_shell));

        private static unsafe GroupEntry ToEntry(Group grp)
        {
            var members = new List<string>();
            if (grp.gr_mem != 0)
            {
                for (nint* member = (nint*)grp.gr_mem; *member != 0; member++)
                    members.Add(Text(*member));
            }
            return new GroupEntry(Text(grp.gr_name), grp.gr_gid, members);
        }

        private static string Text(nint value) => Marshal.PtrToStringUTF8(value) ?? string.Empty;
    }
}
