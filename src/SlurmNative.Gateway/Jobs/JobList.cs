namespace SlurmNative.Gateway.Jobs;

internal sealed record JobList(IReadOnlyList<JobSummary> Jobs);
