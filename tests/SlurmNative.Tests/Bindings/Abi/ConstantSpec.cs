using System.Runtime.InteropServices;

namespace SlurmNative.Tests.Bindings.Abi;

/// <summary>A managed constant to compare with the C expression of the same name.</summary>
public sealed record ConstantSpec(string Owner, string Name, object Value, Architecture? Architecture = null);
