namespace SlurmNative.Credentials.Accounts;

/// <summary>A group entry, copied out of libc's buffers.</summary>
internal sealed record GroupEntry(string Name, uint Gid, IReadOnlyList<string> Members);
