namespace SlurmNative.Credentials.Audit;

/// <summary>
/// Where the audit trail goes, as written in the configuration: <c>syslog</c> (the default:
/// /dev/log, which journald also reads), <c>journal</c> (journald's native protocol, with each
/// field as its own journal field), either with <c>:SOCKET</c> for another socket path,
/// <c>file:PATH</c>, or <c>off</c>.
/// </summary>
public sealed record AuditDestination(AuditDestinationKind Kind, string? Path)
{
    public static AuditDestination Default { get; } = new(AuditDestinationKind.Syslog, null);

    /// <exception cref="FormatException">not one of the forms above.</exception>
    public static AuditDestination Parse(string value)
    {
        int colon = value.IndexOf(':', StringComparison.Ordinal);
        string kind = colon < 0 ? value : value[..colon];
        string? path = colon < 0 ? null : value[(colon + 1)..].Trim();
        if (path is not null && !System.IO.Path.IsPathRooted(path))
            throw new FormatException($"'{value}': the path after '{kind}:' must be absolute");
        return kind switch
        {
            "off" when path is null => new(AuditDestinationKind.Off, null),
            "syslog" => new(AuditDestinationKind.Syslog, path),
            "journal" => new(AuditDestinationKind.Journal, path),
            "file" when path is not null => new(AuditDestinationKind.File, path),
            _ => throw new FormatException($"'{value}' is not an audit destination: write syslog, journal, file:/var/log/slurmnative/audit.log or off"),
        };
    }

    /// <summary>The sink; null for off.</summary>
    /// <exception cref="IOException">the audit file cannot be opened.</exception>
    /// <exception cref="UnauthorizedAccessException">no permission to open the audit file.</exception>
    public IAuditSink? Open() => Kind switch
    {
        AuditDestinationKind.Syslog => new SyslogSink(Path ?? SyslogSink.DefaultSocket),
        AuditDestinationKind.Journal => new JournalSink(Path ?? JournalSink.DefaultSocket),
        AuditDestinationKind.File => new FileSink(Path!),
        _ => null,
    };

    public override string ToString() => Kind switch
    {
        AuditDestinationKind.Off => "off",
        AuditDestinationKind.File => $"file:{Path}",
        _ => Path is null ? Kind.ToString().ToLowerInvariant() : $"{Kind.ToString().ToLowerInvariant()}:{Path}",
    };
}
