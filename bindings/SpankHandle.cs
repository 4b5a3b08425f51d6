using System.Runtime.InteropServices;

namespace SlurmNative;

/// <summary>
/// Slurm's <c>spank_t</c> as the shim hands it to the managed hook: opaque to managed code, which
/// can only give it back to the shim's functions, never read through it.
/// </summary>
[StructLayout(LayoutKind.Sequential)]
internal readonly struct SpankHandle
{
    private readonly nint value;
}
