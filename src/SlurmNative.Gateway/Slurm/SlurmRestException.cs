using System.Net;

namespace SlurmNative.Gateway.Slurm;

/// <summary>
/// A slurmrestd call failed. <see cref="StatusCode"/> and <see cref="Exception.Message"/> are what the
/// gateway's client gets: never slurmrestd's address, nor anything slurmrestd said about the gateway's
/// own credentials. <see cref="Detail"/> is the whole story, for the gateway's log.
/// </summary>
internal sealed class SlurmRestException(HttpStatusCode statusCode, string message, string? detail = null) : Exception(message)
{
    public HttpStatusCode StatusCode { get; } = statusCode;

    public string Detail { get; } = detail ?? message;
}
