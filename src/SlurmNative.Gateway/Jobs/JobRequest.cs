using System.Text.Json.Serialization;

namespace SlurmNative.Gateway.Jobs;

/// <summary>
/// A batch job as a gateway client describes it. Deliberately small: every field is one the
/// gateway validates and the policy can reason about. Unknown fields are refused, so a
/// client cannot smuggle slurmrestd options (user_id, environment files, ...) past it.
/// </summary>
internal sealed class JobRequest
{
    public string? Script { get; set; }
    public string? Name { get; set; }
    public string? Partition { get; set; }
    public string? Account { get; set; }
    public int? TimeLimitMinutes { get; set; }
    public int? Nodes { get; set; }
    public int? Tasks { get; set; }
    public int? CpusPerTask { get; set; }
    public int? MemoryPerNodeMb { get; set; }
    public string? WorkingDirectory { get; set; }
    public string? Output { get; set; }
    public string? Error { get; set; }
    public Dictionary<string, string>? Environment { get; set; }
}

/// <summary>A job request after validation and policy: what is sent to slurmrestd, nothing more.</summary>
internal sealed record ValidatedJob(
    string Script,
    string Name,
    string Partition,
    string? Account,
    int? TimeLimitMinutes,
    int Nodes,
    int? Tasks,
    int? CpusPerTask,
    int? MemoryPerNodeMb,
    string WorkingDirectory,
    string? Output,
    string? Error,
    IReadOnlyDictionary<string, string> Environment);

internal sealed record LoginResponse(string Session, string UserName, DateTimeOffset ExpiresAt, string Principal, DateTimeOffset TicketExpiresAt, bool Proxy, bool IssueTokens);

internal sealed record TokenResponse(string Token, string UserName, DateTimeOffset ExpiresAt, string HeaderUserName, string HeaderToken);

internal sealed record SubmitResponse(long JobId, string UserName, string Partition);

internal sealed record JobSummary(long JobId, string Name, string UserName, string State, string Partition, string? Reason, long? ExitCode);

internal sealed record JobList(IReadOnlyList<JobSummary> Jobs);

internal sealed record ErrorResponse(string Error);

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
