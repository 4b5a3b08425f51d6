using System.Text.Json.Serialization;

namespace SlurmNative.Jwt.Tokens;

/// <summary>One public RSA key as published for AuthAltParameters=jwks= (RFC 7517 §4, RFC 7518 §6.3.1).</summary>
internal sealed record PublicRsaJwk(
    [property: JsonPropertyName("kty")] string KeyType,
    [property: JsonPropertyName("alg")] string Algorithm,
    [property: JsonPropertyName("use")] string Use,
    [property: JsonPropertyName("kid")] string KeyId,
    [property: JsonPropertyName("n")] string Modulus,
    [property: JsonPropertyName("e")] string Exponent);
