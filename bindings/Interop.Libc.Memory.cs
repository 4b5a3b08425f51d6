using System.Runtime.InteropServices;

namespace SlurmNative;

internal static partial class Interop
{
    internal static partial class Libc
    {
        /// <summary>Frees memory a C library allocated with malloc for the caller (munge_encode, munge_decode).</summary>
        [LibraryImport(Libraries.Libc)]
        internal static partial void free(nint ptr);
    }
}
