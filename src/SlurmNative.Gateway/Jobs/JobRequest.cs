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
