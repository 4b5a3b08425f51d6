namespace SlurmNative.Gateway.Jobs;

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
