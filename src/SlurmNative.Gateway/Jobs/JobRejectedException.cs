namespace SlurmNative.Gateway.Jobs;

/// <summary>Why a job request was refused, phrased for the client; names the field.</summary>
internal sealed class JobRejectedException(string message) : Exception(message);
