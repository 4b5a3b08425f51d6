namespace SlurmNative.Daemon.Crypto;

/// <summary>A secret file that must not be used as it is; the message names the file and the fix.</summary>
public sealed class ProtectedFileException(string message, Exception? inner = null) : Exception(message, inner);
