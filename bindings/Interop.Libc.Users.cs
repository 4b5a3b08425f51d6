using System.Runtime.InteropServices;

namespace SlurmNative;

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
        // The entry's strings point into buf: callers keep it pinned until they have copied them.
        [LibraryImport(Libraries.Libc, StringMarshalling = StringMarshalling.Utf8)]
        internal static partial int getpwnam_r(string name, out Passwd pwd, Span<byte> buf, nuint buflen, out nint result);

        [LibraryImport(Libraries.Libc)]
        internal static partial int getpwuid_r(uint uid, out Passwd pwd, Span<byte> buf, nuint buflen, out nint result);

        [LibraryImport(Libraries.Libc, StringMarshalling = StringMarshalling.Utf8)]
        internal static partial int getgrnam_r(string name, out Group grp, Span<byte> buf, nuint buflen, out nint result);

        [LibraryImport(Libraries.Libc)]
        internal static partial int getgrgid_r(uint gid, out Group grp, Span<byte> buf, nuint buflen, out nint result);

        /// <summary>-1 when *ngroups is too small (then *ngroups is the count needed).</summary>
        [LibraryImport(Libraries.Libc, StringMarshalling = StringMarshalling.Utf8)]
        internal static partial int getgrouplist(string user, uint group, Span<uint> groups, ref int ngroups);
    }
}
