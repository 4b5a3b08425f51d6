using System.Runtime.InteropServices;
using Microsoft.Win32.SafeHandles;

namespace SlurmNative;

internal static partial class Interop
{
    internal static partial class Libc
    {
        // flock(2) operations (sys/file.h).
        internal const int LOCK_SH = 1;
        internal const int LOCK_EX = 2;
        internal const int LOCK_NB = 4;
        internal const int LOCK_UN = 8;

        /// <summary>
        /// flock(2): a lock on the open file description, released when its last descriptor closes,
        /// so a process that dies holding one (SIGKILL included) releases it. 0, or -1 with errno
        /// (EWOULDBLOCK with LOCK_NB when another holds a conflicting lock).
        /// </summary>
        [LibraryImport(Libraries.Libc, SetLastError = true)]
        internal static partial int flock(SafeFileHandle fd, int operation);
    }
}
