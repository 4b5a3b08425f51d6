using SlurmNative.Store.Keys;

namespace SlurmNative.Store.Sealing;

/// <summary>One row's new sealing, to be written only if the row is still at <paramref name="Version"/> under <paramref name="OldKey"/>.</summary>
internal sealed record ResealedRow(uint Uid, long Version, string OldKey, SealedData Sealed);
