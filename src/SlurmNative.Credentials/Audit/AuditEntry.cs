namespace SlurmNative.Credentials.Audit;

/// <summary>
/// One security-relevant event: what was done (<see cref="Action"/>), how it ended
/// (<see cref="Outcome"/>), and the facts a reviewer needs, already rendered as
/// <see cref="Line"/> (<c>action=fetch outcome=released uid=0 target_uid=1001 ...</c>).
/// </summary>
public sealed class AuditEntry
{
    internal AuditEntry(string action, string outcome, AuditField[] fields, string line)
    {
        Action = action;
        Outcome = outcome;
        Fields = fields;
        Line = line;
    }

    public string Action { get; }
    public string Outcome { get; }
    public IReadOnlyList<AuditField> Fields { get; }

    /// <summary>The whole event as one line of space-separated <c>key=value</c> pairs (logfmt), no newline.</summary>
    public string Line { get; }
}
