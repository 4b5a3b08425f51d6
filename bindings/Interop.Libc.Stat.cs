using System.Runtime.InteropServices;
using Microsoft.Win32.SafeHandles;

namespace SlurmNative;

internal static partial class Interop
{
    internal static partial class Libc
    {
        // statx(2) is used instead of fstat/lstat: struct statx has one layout on every architecture,
        // while struct stat differs between x86-64 and aarch64.
        internal const int AT_FDCWD = -100;
        internal const int AT_SYMLINK_NOFOLLOW = 0x100;
        internal const int AT_EMPTY_PATH = 0x1000;
        internal const uint STATX_TYPE = 0x1;
        internal const uint STATX_MODE = 0x2;
        internal const uint STATX_NLINK = 0x4;
        internal const uint STATX_UID = 0x8;
        internal const uint STATX_GID = 0x10;
        internal const uint STATX_SIZE = 0x200;
        internal const uint STATX_BASIC_STATS = 0x7ff;

        // Reserved members are named differently by glibc (__statx_pad1) and the kernel's linux/stat.h
        // (__spare0, stx_mnt_id, __spare3, …), whichever sys/stat.h picks; the sizeof check covers them.
        [NotInNativeHeaders("not a C value: the reason text for reserved struct members")]
        private const string Reserved = "reserved space, named differently by glibc and kernel headers; covered by sizeof";

        [NativeStruct("struct statx_timestamp")]
        [StructLayout(LayoutKind.Sequential)]
        internal unsafe struct StatxTimestamp
        {
            internal long tv_sec;
            internal uint tv_nsec;
            [NotInNativeHeaders(Reserved)] internal fixed int _reserved[1];
        }

        /// <summary>struct statx (sys/stat.h, glibc 2.28+).</summary>
        [NativeStruct("struct statx")]
        [StructLayout(LayoutKind.Sequential)]
        internal unsafe struct Statx
        {
            internal uint stx_mask;
            internal uint stx_blksize;
            internal ulong stx_attributes;
            internal uint stx_nlink;
            internal uint stx_uid;
            internal uint stx_gid;
            internal ushort stx_mode;
            [NotInNativeHeaders(Reserved)] internal fixed ushort _reserved0[1];
            internal ulong stx_ino;
            internal ulong stx_size;
            internal ulong stx_blocks;
            internal ulong stx_attributes_mask;
            internal StatxTimestamp stx_atime;
            internal StatxTimestamp stx_btime;
            internal StatxTimestamp stx_ctime;
            internal StatxTimestamp stx_mtime;
            internal uint stx_rdev_major;
            internal uint stx_rdev_minor;
            internal uint stx_dev_major;
            internal uint stx_dev_minor;
            [NotInNativeHeaders(Reserved)] internal fixed ulong _reserved1[14];

            internal readonly uint FileType => stx_mode & S_IFMT;

            /// <summary>Permission bits (and setuid/setgid/sticky), without the file type.</summary>
            internal readonly uint Permissions => stx_mode & 0xFFFu;
        }

        [LibraryImport(Libraries.Libc, StringMarshalling = StringMarshalling.Utf8, SetLastError = true)]
        internal static partial int statx(int dirfd, string pathname, int flags, uint mask, out Statx statxbuf);

        [LibraryImport(Libraries.Libc, StringMarshalling = StringMarshalling.Utf8, SetLastError = true)]
        internal static partial int statx(SafeFileHandle dirfd, string pathname, int flags, uint mask, out Statx statxbuf);

        /// <summary>fstat(2) as statx(fd, "", AT_EMPTY_PATH): 0, or -1 with errno.</summary>
        internal static int FStat(SafeFileHandle fd, out Statx status) =>
            statx(fd, string.Empty, AT_EMPTY_PATH, STATX_BASIC_STATS, out status);

        /// <summary>lstat(2) as statx(AT_FDCWD, path, AT_SYMLINK_NOFOLLOW): a symlink is described, not followed.</summary>
        internal static int LStat(string path, out Statx status) =>
            statx(AT_FDCWD, path, AT_SYMLINK_NOFOLLOW, STATX_BASIC_STATS, out status);
    }
}
