namespace SlurmNative.Credentials.Protocol;

public enum FrameKind : byte
{
    Request = 1,
    SealedReply = 2,
    PlainReply = 3,
}
