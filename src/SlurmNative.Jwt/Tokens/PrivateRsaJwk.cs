using System.Text.Json.Serialization;

namespace SlurmNative.Jwt.Tokens;

/// <summary>
/// One private RSA key of a SlurmNative key set: the public members plus RFC 7518 §6.3.2's
/// private ones, and "created" (RFC 7517 §4 lets a JWK carry members others ignore).
/// </summary>
internal sealed record PrivateRsaJwk(
    [property: JsonPropertyName("kty")] string KeyType,
    [property: JsonPropertyName("alg")] string Algorithm,
    [property: JsonPropertyName("use")] string Use,
    [property: JsonPropertyName("kid")] string KeyId,
    [property: JsonPropertyName("created")] long Created,
    [property: JsonPropertyName("n")] string Modulus,
    [property: JsonPropertyName("e")] string Exponent,
    [property: JsonPropertyName("d")] string PrivateExponent,
    [property: JsonPropertyName("p")] string P,
    [property: JsonPropertyName("q")] string Q,
    [property: JsonPropertyName("dp")] string DP,
    [property: JsonPropertyName("dq")] string DQ,
    [property: JsonPropertyName("qi")] string InverseQ);
