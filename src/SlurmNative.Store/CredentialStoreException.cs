namespace SlurmNative.Store;

/// <summary>The store cannot do what was asked; the message names the record or file, never ticket bytes.</summary>
public sealed class CredentialStoreException(string message, Exception? inner = null) : Exception(message, inner);
