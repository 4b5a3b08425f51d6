using System.Text.Json;
using System.Text.Json.Serialization;

namespace SlurmNative.Gateway.Configuration;

[JsonSourceGenerationOptions(
    PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower,
    UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow,
    AllowDuplicateProperties = false,
    ReadCommentHandling = JsonCommentHandling.Skip,
    AllowTrailingCommas = true)]
[JsonSerializable(typeof(GatewaySettingsFile))]
internal sealed partial class SettingsJson : JsonSerializerContext;
