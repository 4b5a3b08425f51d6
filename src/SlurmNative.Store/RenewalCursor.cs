namespace SlurmNative.Store;

/// <summary>A renewal pass's place in the (End, Uid) order: the next claim starts after it.</summary>
public readonly record struct RenewalCursor(DateTimeOffset End, uint Uid);
