using System.Runtime.InteropServices;

namespace SlurmNative;

/// <summary>
/// The machines SlurmNative is built for and checked on: 64-bit Linux on x86-64 and aarch64.
/// For each, bindings/ carries the libc values it defines (classes marked
/// <see cref="NativeArchitectureAttribute"/> where they differ) and the ABI test compiles and
/// runs its probe with that architecture's headers. Nothing here was checked anywhere else,
/// so the plugin's build refuses other runtime identifiers (SlurmNativeRuntimeIdentifiers in
/// Directory.Build.props) and the managed programs refuse to start elsewhere.
/// </summary>
internal static class SupportedArchitectures
{
    public static IReadOnlyList<Architecture> All { get; } = [Architecture.X64, Architecture.Arm64];

    public static bool IncludesThisMachine => IsSupported(RuntimeInformation.ProcessArchitecture);

    public static bool IsSupported(Architecture architecture) => architecture is Architecture.X64 or Architecture.Arm64;

    /// <summary>Why this machine is refused, for the message of whatever refuses it.</summary>
    public static string Refusal =>
        $"this process runs on {RuntimeInformation.ProcessArchitecture} ({RuntimeInformation.RuntimeIdentifier}), and SlurmNative's native bindings " +
        "(open(2) flags, socket options, struct layouts) are checked on x86-64 and aarch64 Linux only; run it on one of those, " +
        "or add this architecture's values to bindings/ and its ABI check to tests/SlurmNative.Tests/Bindings/Abi first";

    /// <exception cref="PlatformNotSupportedException">this process runs on an architecture nothing here was checked for.</exception>
    public static void ThrowUnlessThisMachine()
    {
        if (!IncludesThisMachine)
            throw new PlatformNotSupportedException(Refusal);
    }
}
