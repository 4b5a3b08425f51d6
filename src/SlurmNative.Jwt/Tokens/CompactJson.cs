using System.Text.Json.Serialization;

namespace SlurmNative.Jwt.Tokens;

[JsonSerializable(typeof(JwsHeader))]
[JsonSerializable(typeof(SlurmClaims))]
[JsonSourceGenerationOptions(DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
internal sealed partial class CompactJson : JsonSerializerContext;
