namespace SlurmNative.Jwt.Tokens;

/// <summary>What a verified token says. Holds no signature and no token text.</summary>
public sealed record VerifiedToken(string UserName, DateTimeOffset IssuedAt, DateTimeOffset ExpiresAt, string Algorithm, string? KeyId);
