using System.Runtime.InteropServices;

namespace SlurmNative;

internal static partial class Interop
{
    internal static partial class Libc
    {
        /// <summary>pthread_create(3): attr NULL (default stack), returns an errno value, not -1.</summary>
        [LibraryImport(Libraries.Libc)]
        internal static unsafe partial int pthread_create(out nuint thread, nint attr, delegate* unmanaged<nint, nint> start, nint arg);

        /// <summary>pthread_detach(3): the thread's stack goes back when it ends; nobody joins it.</summary>
        [LibraryImport(Libraries.Libc)]
        internal static partial int pthread_detach(nuint thread);
    }
}
