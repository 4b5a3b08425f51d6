using System.Runtime.InteropServices;

namespace SlurmNative;

internal static partial class Interop
{
    internal static partial class Libc
    {
        /// <summary>
        /// libc values that x86-64 defines differently from aarch64 (the kernel's
        /// arch/x86/include/uapi/asm and asm-generic headers). Read them through the properties of
        /// <see cref="Libc"/>, which pick this machine's; the ABI test checks these against
        /// x86-64's own headers.
        /// </summary>
        [NativeArchitecture(Architecture.X64)]
        internal static class X64
        {
            internal const int O_DIRECTORY = 0x10000;
            internal const int O_NOFOLLOW = 0x20000;
        }
    }
}
