using System.Buffers.Binary;
using System.Text;

namespace SlurmNative.Credentials.Audit;

/// <summary>
/// systemd-journald's native protocol (one datagram of fields per entry on
/// /run/systemd/journal/socket): the line as MESSAGE, SYSLOG_IDENTIFIER=slurmnative-audit,
/// and every field again as SLURMNATIVE_&lt;KEY&gt; so that <c>journalctl
/// SLURMNATIVE_TARGET_UID=1001</c> finds a user's events without parsing. Values use the
/// protocol's length-prefixed form, so no value can end a field early.
/// </summary>
public sealed class JournalSink(string socketPath = JournalSink.DefaultSocket) : DatagramSocketSink(socketPath)
{
    public const string DefaultSocket = "/run/systemd/journal/socket";

    public override string Description => $"the journal ({SocketPath}, SYSLOG_IDENTIFIER={AuditTrail.Identifier})";

    protected override byte[] Encode(AuditEntry entry)
    {
        using var datagram = new MemoryStream(256 + entry.Line.Length * 2);
        Field(datagram, "MESSAGE", entry.Line);
        Field(datagram, "SYSLOG_IDENTIFIER", AuditTrail.Identifier);
        Field(datagram, "PRIORITY", "6");
        Field(datagram, "SYSLOG_FACILITY", "10");
        Field(datagram, "SLURMNATIVE_ACTION", entry.Action);
        Field(datagram, "SLURMNATIVE_OUTCOME", entry.Outcome);
        foreach (AuditField field in entry.Fields)
            Field(datagram, FieldName(field.Key), field.Value);
        return datagram.ToArray();
    }

    /// <summary>Journal field names: upper-case letters, digits and underscores.</summary>
    internal static string FieldName(string key)
    {
        var name = new StringBuilder("SLURMNATIVE_", 12 + key.Length);
        foreach (char c in key)
            name.Append(char.IsAsciiLetterOrDigit(c) ? char.ToUpperInvariant(c) : '_');
        return name.ToString();
    }

    private static void Field(MemoryStream datagram, string name, string value)
    {
        byte[] bytes = Encoding.UTF8.GetBytes(value);
        datagram.Write(Encoding.ASCII.GetBytes(name));
        datagram.WriteByte((byte)'\n');
        Span<byte> length = stackalloc byte[8];
        BinaryPrimitives.WriteUInt64LittleEndian(length, (ulong)bytes.Length);
        datagram.Write(length);
        datagram.Write(bytes);
        datagram.WriteByte((byte)'\n');
    }
}
