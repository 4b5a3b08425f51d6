namespace SlurmNative.Gateway.Jobs;

internal sealed record JobSummary(long JobId, string Name, string UserName, string State, string Partition, string? Reason, long? ExitCode);
