namespace SlurmNative.Jwt;

/// <summary>
/// A key file or key set that cannot be used as it is (missing, malformed, unsafe
/// permissions, would be overwritten); the message names the file and what to do.
/// Never carries key material.
/// </summary>
public sealed class JwtKeyException(string message, Exception? inner = null) : Exception(message, inner);

/// <summary>
/// A token that does not verify: bad form, unknown key, bad signature, expired, missing
/// claims. The message says why, never echoes the token or its signature.
/// </summary>
public sealed class TokenRejectedException(string message) : Exception(message);
