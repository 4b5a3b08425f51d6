using System.Runtime.InteropServices;

namespace SlurmNative;

internal static partial class Interop
{
    internal static partial class Libc
    {
        // .NET keeps its own copy of the environment on Unix; srun and sbatch read the
        // C environ when they build the job's environment, so the process-level
        // variables a plugin sets in local context must go through libc.

        [LibraryImport(Libraries.Libc, StringMarshalling = StringMarshalling.Utf8, SetLastError = true)]
        internal static partial int setenv(string name, string value, int overwrite);

        [LibraryImport(Libraries.Libc, EntryPoint = "getenv", StringMarshalling = StringMarshalling.Utf8)]
        private static partial nint getenv_native(string name);

        /// <summary>getenv(3) on the C environ; the string is copied at once, before anything can change it.</summary>
        internal static string? GetEnvironmentVariable(string name) =>
            Marshal.PtrToStringUTF8(getenv_native(name));
    }
}
