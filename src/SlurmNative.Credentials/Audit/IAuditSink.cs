namespace SlurmNative.Credentials.Audit;

/// <summary>Where audit lines go: syslog, the systemd journal, or a file.</summary>
public interface IAuditSink : IDisposable
{
    /// <summary>What the startup log calls this sink.</summary>
    string Description { get; }

    /// <exception cref="IOException">the line could not be delivered (the caller counts and reports it).</exception>
    void Write(AuditEntry entry);
}
