using System.Text.Json.Serialization;

namespace SlurmNative.Jwt.Tokens;

/// <summary>JOSE header as written: "alg", "typ", and "kid" when the key has one.</summary>
internal sealed record JwsHeader(
    [property: JsonPropertyName("alg")] string Algorithm,
    [property: JsonPropertyName("typ")] string Type,
    [property: JsonPropertyName("kid")] string? KeyId);
