namespace SlurmNative.Store.Keys;

/// <summary>A key file, or a sealed record, that cannot be used; the message says what to fix.</summary>
public sealed class KeyringException(string message, Exception? inner = null) : Exception(message, inner);
