namespace SlurmNative.Credentials.Audit;

/// <summary>
/// One <c>key=value</c> of an audit line. Keys are fixed lower-case words chosen by the
/// code (uid, target_uid, source, job, reason, ...); values are what happened, never a
/// ticket, a key, a password or a session token.
/// </summary>
public readonly record struct AuditField(string Key, string Value);
