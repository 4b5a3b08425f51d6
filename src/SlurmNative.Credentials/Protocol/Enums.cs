namespace SlurmNative.Credentials.Protocol;

public enum Operation : byte
{
    Ping = 1,
    Add = 2,
    Get = 3,
    Remove = 4,
    List = 5,
    /// <summary>An add whose credential stays stored while its owner has no jobs (<c>slurmnative add --keep</c>).</summary>
    AddAndKeep = 6,
}

/// <summary>A reply's outcome. Values are on the wire: append, never renumber.</summary>
public enum ReplyStatus : byte
{
    Ok = 0,
    BadRequest = 1,
    Unauthenticated = 2,
    Forbidden = 3,
    NotFound = 4,
    CredentialRejected = 5,
    ServerError = 6,
    UnsupportedVersion = 7,
    TooLarge = 8,
    Busy = 9,
}

public enum FrameKind : byte
{
    Request = 1,
    SealedReply = 2,
    PlainReply = 3,
}

/// <summary>Input that does not follow the protocol; the message says what was wrong, never the bytes.</summary>
public sealed class ProtocolException(ReplyStatus status, string message) : Exception(message)
{
    public ReplyStatus Status { get; } = status;
}
