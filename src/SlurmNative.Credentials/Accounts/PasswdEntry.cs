namespace SlurmNative.Credentials.Accounts;

/// <summary>A passwd entry, copied out of libc's buffers.</summary>
internal sealed record PasswdEntry(string Name, uint Uid, uint Gid, string Gecos, string HomeDirectory, string Shell);
