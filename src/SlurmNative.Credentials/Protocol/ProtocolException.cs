namespace SlurmNative.Credentials.Protocol;

/// <summary>Input that does not follow the protocol; the message says what was wrong, never the bytes.</summary>
public sealed class ProtocolException(ReplyStatus status, string message) : Exception(message)
{
    public ReplyStatus Status { get; } = status;
}
