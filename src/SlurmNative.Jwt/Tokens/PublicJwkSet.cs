using System.Text.Json.Serialization;

namespace SlurmNative.Jwt.Tokens;

internal sealed record PublicJwkSet([property: JsonPropertyName("keys")] IReadOnlyList<PublicRsaJwk> Keys);
