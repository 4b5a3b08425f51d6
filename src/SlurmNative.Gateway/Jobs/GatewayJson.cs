using System.Text.Json.Serialization;

namespace SlurmNative.Gateway.Jobs;

[JsonSourceGenerationOptions(
    PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower,
    UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow,
    AllowDuplicateProperties = false,
    DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(JobRequest))]
[JsonSerializable(typeof(LoginResponse))]
[JsonSerializable(typeof(TokenResponse))]
[JsonSerializable(typeof(SubmitResponse))]
[JsonSerializable(typeof(JobList))]
[JsonSerializable(typeof(JobSummary))]
[JsonSerializable(typeof(ErrorResponse))]
internal sealed partial class GatewayJson : JsonSerializerContext;
