using System.Text.Json.Serialization;

namespace SlurmNative.Jwt.Tokens;

/// <summary>
/// The claims `scontrol token` puts in a token (auth_jwt.c's token generation in Slurm 22.05:
/// "iat", "exp" and "sun", the Slurm user name); jwt.html lists the same three as required.
/// </summary>
internal sealed record SlurmClaims(
    [property: JsonPropertyName("exp")] long ExpiresAt,
    [property: JsonPropertyName("iat")] long IssuedAt,
    [property: JsonPropertyName("sun")] string UserName);
