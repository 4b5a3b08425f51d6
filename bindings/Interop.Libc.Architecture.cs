using System.Runtime.InteropServices;

namespace SlurmNative;

internal static partial class Interop
{
    internal static partial class Libc
    {
        /// <summary>
        /// This machine's value of a constant that x86-64 and aarch64 define differently. On any
        /// other architecture nothing in bindings/ was checked, so it refuses instead of guessing.
        /// </summary>
        /// <exception cref="PlatformNotSupportedException">neither x86-64 nor aarch64.</exception>
        private static int ForThisArchitecture(int x64, int arm64) => RuntimeInformation.ProcessArchitecture switch
        {
            Architecture.X64 => x64,
            Architecture.Arm64 => arm64,
            _ => throw new PlatformNotSupportedException(SupportedArchitectures.Refusal),
        };
    }
}
