namespace SlurmNative.Daemon.Service;

/// <summary>The caller's identity as MUNGE proved it, and the payload MUNGE decrypted.</summary>
public sealed record AuthenticatedPayload(uint Uid, uint Gid, byte[] Payload);
