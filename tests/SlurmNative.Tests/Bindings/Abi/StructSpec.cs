namespace SlurmNative.Tests.Bindings.Abi;

/// <summary>A managed struct mirroring the C type <paramref name="CType"/>.</summary>
public sealed record StructSpec(string ManagedName, string CType, long Size, IReadOnlyList<FieldSpec> Fields);
