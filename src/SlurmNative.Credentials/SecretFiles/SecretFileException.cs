namespace SlurmNative.Credentials.SecretFiles;

/// <summary>A file that holds a key and must not be used as it is; the message names the file and the fix.</summary>
public sealed class SecretFileException(string message, Exception? inner = null) : Exception(message, inner);
