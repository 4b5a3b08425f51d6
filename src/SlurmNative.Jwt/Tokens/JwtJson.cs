using System.Text.Json.Serialization;

namespace SlurmNative.Jwt.Tokens;

/// <summary>JOSE header as written: "alg", "typ", and "kid" when the key has one.</summary>
internal sealed record JwsHeader(
    [property: JsonPropertyName("alg")] string Algorithm,
    [property: JsonPropertyName("typ")] string Type,
    [property: JsonPropertyName("kid")] string? KeyId);

/// <summary>
/// The claims `scontrol token` puts in a token (auth_jwt.c's token generation in Slurm 22.05:
/// "iat", "exp" and "sun", the Slurm user name); jwt.html lists the same three as required.
/// </summary>
internal sealed record SlurmClaims(
    [property: JsonPropertyName("exp")] long ExpiresAt,
    [property: JsonPropertyName("iat")] long IssuedAt,
    [property: JsonPropertyName("sun")] string UserName);

/// <summary>One public RSA key as published for AuthAltParameters=jwks= (RFC 7517 §4, RFC 7518 §6.3.1).</summary>
internal sealed record PublicRsaJwk(
    [property: JsonPropertyName("kty")] string KeyType,
    [property: JsonPropertyName("alg")] string Algorithm,
    [property: JsonPropertyName("use")] string Use,
    [property: JsonPropertyName("kid")] string KeyId,
    [property: JsonPropertyName("n")] string Modulus,
    [property: JsonPropertyName("e")] string Exponent);

internal sealed record PublicJwkSet([property: JsonPropertyName("keys")] IReadOnlyList<PublicRsaJwk> Keys);

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

internal sealed record PrivateJwkSet([property: JsonPropertyName("keys")] IReadOnlyList<PrivateRsaJwk> Keys);

[JsonSerializable(typeof(JwsHeader))]
[JsonSerializable(typeof(SlurmClaims))]
[JsonSourceGenerationOptions(DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
internal sealed partial class CompactJson : JsonSerializerContext;

[JsonSerializable(typeof(PublicJwkSet))]
[JsonSerializable(typeof(PrivateJwkSet))]
[JsonSourceGenerationOptions(WriteIndented = true, DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
internal sealed partial class FileJson : JsonSerializerContext;
