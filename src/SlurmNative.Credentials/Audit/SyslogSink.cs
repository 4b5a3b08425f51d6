using System.Globalization;
using System.Text;

namespace SlurmNative.Credentials.Audit;

/// <summary>
/// syslog(3)'s wire format on the local syslog socket, with the ident
/// <see cref="AuditTrail.Identifier"/> and facility authpriv: rsyslog and syslog-ng file it
/// with the other authentication records (readable by root only on Debian), and journald,
/// which also reads /dev/log, stores it with SYSLOG_IDENTIFIER=slurmnative-audit. Works on
/// hosts with and without systemd. Written here rather than through libc's syslog(3) so the
/// ident and facility stay ours even if another part of the process calls openlog.
/// </summary>
public sealed class SyslogSink(string socketPath = SyslogSink.DefaultSocket) : DatagramSocketSink(socketPath)
{
    public const string DefaultSocket = "/dev/log";

    /// <summary>LOG_AUTHPRIV (10 &lt;&lt; 3) | LOG_INFO (6).</summary>
    private const int Priority = (10 << 3) | 6;

    private static readonly int ProcessId = Environment.ProcessId;

    public override string Description => $"syslog ({SocketPath}, facility authpriv, ident {AuditTrail.Identifier})";

    protected override byte[] Encode(AuditEntry entry)
    {
        // RFC 3164 as glibc writes it: local time "Mmm dd hh:mm:ss", then "ident[pid]: ".
        string stamp = DateTime.Now.ToString("MMM d HH:mm:ss", CultureInfo.InvariantCulture);
        if (stamp[5] == ' ')
            stamp = stamp.Insert(4, " ");
        return Encoding.UTF8.GetBytes($"<{Priority}>{stamp} {AuditTrail.Identifier}[{ProcessId}]: {entry.Line}");
    }
}
