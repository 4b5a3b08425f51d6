namespace SlurmNative.Jwt;

/// <summary>
/// A token that does not verify: bad form, unknown key, bad signature, expired, missing
/// claims. The message says why, never echoes the token or its signature.
/// </summary>
public sealed class TokenRejectedException(string message) : Exception(message);
