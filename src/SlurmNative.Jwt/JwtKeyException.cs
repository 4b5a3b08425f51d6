namespace SlurmNative.Jwt;

/// <summary>
/// A key file or key set that cannot be used as it is (missing, malformed, unsafe
/// permissions, would be overwritten); the message names the file and what to do.
/// Never carries key material.
/// </summary>
public sealed class JwtKeyException(string message, Exception? inner = null) : Exception(message, inner);
