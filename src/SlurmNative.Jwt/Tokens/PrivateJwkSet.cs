using System.Text.Json.Serialization;

namespace SlurmNative.Jwt.Tokens;

internal sealed record PrivateJwkSet([property: JsonPropertyName("keys")] IReadOnlyList<PrivateRsaJwk> Keys);
