using SlurmNative.Credentials.Protocol;

namespace SlurmNative.Credentials.Client;

/// <summary>The daemon refused or failed, in an authenticated answer; <see cref="Status"/> says how, the message says what to do.</summary>
public sealed class DaemonException(ReplyStatus status, string message) : Exception(message)
{
    public ReplyStatus Status { get; } = status;
}
