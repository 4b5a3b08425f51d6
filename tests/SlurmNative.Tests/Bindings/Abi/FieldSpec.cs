namespace SlurmNative.Tests.Bindings.Abi;

/// <summary>A managed field of a mirrored struct: its offset and size.</summary>
public sealed record FieldSpec(string Name, long Offset, long Size);
