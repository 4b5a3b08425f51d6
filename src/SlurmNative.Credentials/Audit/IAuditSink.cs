namespace SlurmNative.Credentials.Audit;

/// <summary>Where audit lines go: syslog, the systemd journal, or a file.</summary>
public interface IAuditSink : IDisposable
{
    /// <summary>What the startup log calls this sink.</summary>
    string Description { get; }

    /// <summary>Delivers one entry; false with the reason when it could not (the caller counts and reports it, rate-limited).</summary>
    /// <remarks>Failure is a return value, not an exception: a host without a syslog socket must not pay a throw per request.</remarks>
    bool TryWrite(AuditEntry entry, out string? failure);
}
