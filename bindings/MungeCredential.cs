namespace SlurmNative;

/// <summary>Payload and identity of a validated MUNGE credential.</summary>
internal sealed record MungeCredential(byte[] Payload, uint Uid, uint Gid);
