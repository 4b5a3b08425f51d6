using System.Runtime.InteropServices;

namespace SlurmNative;

/// <summary>
/// Marks a class nested in Interop whose constants hold on one architecture only (open(2)
/// flags, for one, differ between x86-64 and aarch64). The ABI test checks them against that
/// architecture's headers, in a probe compiled and run for it, and nowhere else.
/// </summary>
[AttributeUsage(AttributeTargets.Class, Inherited = false)]
internal sealed class NativeArchitectureAttribute(Architecture architecture) : Attribute
{
    public Architecture Architecture { get; } = architecture;
}
