using System.Runtime.InteropServices;
using Microsoft.Win32.SafeHandles;

namespace SlurmNative;

internal static partial class Interop
{
    internal static partial class Libc
    {
        // The *at calls resolve names against a directory descriptor opened once, so a
        // directory swapped for a symlink after it was checked cannot redirect a write.
        internal const int AT_REMOVEDIR = 0x200;

        /// <summary>openat(2). Invalid handle and errno on failure. Always pass O_CLOEXEC.</summary>
        [LibraryImport(Libraries.Libc, StringMarshalling = StringMarshalling.Utf8, SetLastError = true)]
        internal static partial SafeFileHandle openat(SafeFileHandle dirfd, string pathname, int flags, uint mode);

        [LibraryImport(Libraries.Libc, StringMarshalling = StringMarshalling.Utf8, SetLastError = true)]
        internal static partial int renameat(SafeFileHandle olddirfd, string oldpath, SafeFileHandle newdirfd, string newpath);

        [LibraryImport(Libraries.Libc, StringMarshalling = StringMarshalling.Utf8, SetLastError = true)]
        internal static partial int unlinkat(SafeFileHandle dirfd, string pathname, int flags);

        /// <summary>statx relative to a directory descriptor, never following a final symlink.</summary>
        internal static int LStatAt(SafeFileHandle directory, string name, out Statx status) =>
            statx(directory, name, AT_SYMLINK_NOFOLLOW, STATX_BASIC_STATS, out status);

        /// <summary>sync(2): queue every dirty page for writeback; never fails.</summary>
        [LibraryImport(Libraries.Libc)]
        internal static partial void sync();

        [LibraryImport(Libraries.Libc)]
        internal static partial int getpid();
    }
}
