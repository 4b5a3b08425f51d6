using System.Runtime.InteropServices;

namespace SlurmNative;

internal static partial class Interop
{
    internal static partial class Libc
    {
        /// <summary>
        /// libc values that aarch64 defines differently from x86-64 (the kernel's
        /// arch/arm64/include/uapi/asm/fcntl.h). Read them through the properties of
        /// <see cref="Libc"/>, which pick this machine's; the ABI test checks these against
        /// aarch64's own headers, in a probe cross-compiled and run under qemu.
        /// </summary>
        [NativeArchitecture(Architecture.Arm64)]
        internal static class Arm64
        {
            internal const int O_DIRECTORY = 0x4000;
            internal const int O_NOFOLLOW = 0x8000;
        }
    }
}
