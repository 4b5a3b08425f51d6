using System.Runtime.InteropServices;

namespace SlurmNative;

internal static partial class Interop
{
    internal static partial class Libc
    {
        // One reentrant lookup each, with the entry's strings copied out while the buffer they point into is
        // still pinned, so callers see only managed values. The return is the errno value the *_r functions
        // return; the entry is null when there is none. Retrying on ERANGE and mapping errors is the caller's.

        internal static unsafe int PasswdByName(string name, Span<byte> buffer,
            out (string Name, uint Uid, uint Gid, string Gecos, string Directory, string Shell)? entry)
        {
            fixed (byte* pinned = buffer)
            {
                int error = getpwnam_r(name, out Passwd pwd, buffer, (nuint)buffer.Length, out nint result);
                entry = error == 0 && result != 0 ? ToValues(pwd) : null;
                return error;
            }
        }

        internal static unsafe int PasswdByUid(uint uid, Span<byte> buffer,
            out (string Name, uint Uid, uint Gid, string Gecos, string Directory, string Shell)? entry)
        {
            fixed (byte* pinned = buffer)
            {
                int error = getpwuid_r(uid, out Passwd pwd, buffer, (nuint)buffer.Length, out nint result);
                entry = error == 0 && result != 0 ? ToValues(pwd) : null;
                return error;
            }
        }

        internal static unsafe int GroupByName(string name, Span<byte> buffer, out (string Name, uint Gid, string[] Members)? entry)
        {
            fixed (byte* pinned = buffer)
            {
                int error = getgrnam_r(name, out Group grp, buffer, (nuint)buffer.Length, out nint result);
                entry = error == 0 && result != 0 ? ToValues(grp) : null;
                return error;
            }
        }

        internal static unsafe int GroupByGid(uint gid, Span<byte> buffer, out (string Name, uint Gid, string[] Members)? entry)
        {
            fixed (byte* pinned = buffer)
            {
                int error = getgrgid_r(gid, out Group grp, buffer, (nuint)buffer.Length, out nint result);
                entry = error == 0 && result != 0 ? ToValues(grp) : null;
                return error;
            }
        }

        private static (string, uint, uint, string, string, string) ToValues(in Passwd pwd) => (
            Utf8(pwd.pw_name), pwd.pw_uid, pwd.pw_gid, Utf8(pwd.pw_gecos), Utf8(pwd.pw_dir), Utf8(pwd.pw_shell));

        private static (string, uint, string[]) ToValues(in Group grp)
        {
            var members = new List<string>();
            if (grp.gr_mem != 0)
            {
                // gr_mem is a NULL-terminated char *[].
                for (int i = 0; Marshal.ReadIntPtr(grp.gr_mem, i * nint.Size) is var member && member != 0; i++)
                    members.Add(Utf8(member));
            }
            return (Utf8(grp.gr_name), grp.gr_gid, members.ToArray());
        }

        private static string Utf8(nint value) => Marshal.PtrToStringUTF8(value) ?? string.Empty;
    }
}
