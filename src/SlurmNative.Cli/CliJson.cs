using System.Text.Json.Serialization;

namespace SlurmNative.Cli;

[JsonSerializable(typeof(List<ListRow>))]
[JsonSourceGenerationOptions(WriteIndented = true, PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower)]
internal sealed partial class CliJson : JsonSerializerContext;
