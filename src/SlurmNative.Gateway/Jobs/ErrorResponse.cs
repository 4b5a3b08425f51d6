namespace SlurmNative.Gateway.Jobs;

internal sealed record ErrorResponse(string Error);
