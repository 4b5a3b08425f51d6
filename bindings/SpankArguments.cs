using System.Runtime.InteropServices;

namespace SlurmNative;

/// <summary>
/// A hook's <c>argv</c> from plugstack.conf as the shim passes it: opaque to managed code;
/// <see cref="Interop.Shim.ReadArguments"/> copies it into strings.
/// </summary>
[StructLayout(LayoutKind.Sequential)]
internal readonly struct SpankArguments
{
    private readonly nint vector;

    internal nint Vector => vector;
}
