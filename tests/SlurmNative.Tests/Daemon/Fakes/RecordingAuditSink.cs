using SlurmNative.Credentials.Audit;

namespace SlurmNative.Tests.Daemon.Fakes;

/// <summary>Keeps every audit entry in memory.</summary>
internal sealed class RecordingAuditSink : IAuditSink
{
    private readonly List<AuditEntry> entries = [];

    public string Description => "memory";

    public IReadOnlyList<AuditEntry> Entries
    {
        get
        {
            lock (entries)
                return entries.ToArray();
        }
    }

    public bool TryWrite(AuditEntry entry, out string? failure)
    {
        lock (entries)
            entries.Add(entry);
        failure = null;
        return true;
    }

    public void Dispose()
    {
    }
}
