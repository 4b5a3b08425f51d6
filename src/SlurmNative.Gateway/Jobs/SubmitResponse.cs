namespace SlurmNative.Gateway.Jobs;

internal sealed record SubmitResponse(long JobId, string UserName, string Partition);
