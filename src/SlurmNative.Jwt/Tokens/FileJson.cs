using System.Text.Json.Serialization;

namespace SlurmNative.Jwt.Tokens;

[JsonSerializable(typeof(PublicJwkSet))]
[JsonSerializable(typeof(PrivateJwkSet))]
[JsonSourceGenerationOptions(WriteIndented = true, DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
internal sealed partial class FileJson : JsonSerializerContext;
