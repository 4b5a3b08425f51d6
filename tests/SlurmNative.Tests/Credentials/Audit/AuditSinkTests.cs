using System.Buffers.Binary;
using System.Net.Sockets;
using System.Text;
using SlurmNative.Credentials.Audit;
using SlurmNative.Tests.TestSupport;

namespace SlurmNative.Tests.Credentials.Audit;

/// <summary>The sinks against real sockets and files: a bound datagram socket stands in for /dev/log and journald's.</summary>
public class AuditSinkTests
{
    private static readonly AuditEntry Sample = AuditTrail.Format("fetch", "released", [new("uid", "0"), new("target_uid", "1001"), new("reason", "two\nlines")]);

    private static Socket Listen(string path)
    {
        var socket = new Socket(AddressFamily.Unix, SocketType.Dgram, ProtocolType.Unspecified);
        socket.Bind(new UnixDomainSocketEndPoint(path));
        socket.ReceiveTimeout = 5000;
        return socket;
    }

    private static byte[] Receive(Socket socket)
    {
        var buffer = new byte[65536];
        int n = socket.Receive(buffer);
        return buffer[..n];
    }

    [Fact]
    public void Syslog_gets_authpriv_info_the_fixed_ident_and_the_line()
    {
        using var dir = new TempDirectory();
        using Socket server = Listen(dir.File("log"));
        using var sink = new SyslogSink(dir.File("log"));

        Assert.True(sink.TryWrite(Sample, out _));
        string datagram = Encoding.UTF8.GetString(Receive(server));

        Assert.Matches(@"^<86>[A-Z][a-z]{2} [ 1-3][0-9] \d\d:\d\d:\d\d slurmnative-audit\[\d+\]: action=fetch outcome=released uid=0 target_uid=1001 reason=""two\\u000alines""$", datagram);
    }

    [Fact]
    public void The_journal_gets_message_identifier_and_every_field_length_prefixed()
    {
        using var dir = new TempDirectory();
        using Socket server = Listen(dir.File("journal"));
        using var sink = new JournalSink(dir.File("journal"));

        Assert.True(sink.TryWrite(Sample, out _));
        Dictionary<string, string> fields = ParseNative(Receive(server));

        Assert.Equal(Sample.Line, fields["MESSAGE"]);
        Assert.Equal("slurmnative-audit", fields["SYSLOG_IDENTIFIER"]);
        Assert.Equal("fetch", fields["SLURMNATIVE_ACTION"]);
        Assert.Equal("1001", fields["SLURMNATIVE_TARGET_UID"]);
        Assert.Equal("two\nlines", fields["SLURMNATIVE_REASON"]);
    }

    [Fact]
    public void A_missing_socket_fails_without_throwing_and_recovers_when_it_appears()
    {
        using var dir = new TempDirectory();
        using var sink = new SyslogSink(dir.File("log"));

        Assert.False(sink.TryWrite(Sample, out string? failure));
        Assert.Contains(dir.File("log"), failure);
        Assert.False(sink.TryWrite(Sample, out _)); // within the second: not even tried

        using Socket server = Listen(dir.File("log"));
        Thread.Sleep(1100);
        Assert.True(sink.TryWrite(Sample, out _));
        Assert.Contains("action=fetch", Encoding.UTF8.GetString(Receive(server)));
    }

    [Fact]
    public void The_file_is_created_0600_appended_to_and_never_followed_through_a_link()
    {
        using var dir = new TempDirectory();
        string path = dir.File("audit.log");
        using (var sink = new FileSink(path))
        {
            Assert.True(sink.TryWrite(Sample, out _));
            Assert.True(sink.TryWrite(Sample, out _));
        }
        using (var again = new FileSink(path))
            Assert.True(again.TryWrite(Sample, out _));

        string[] lines = File.ReadAllLines(path);
        Assert.Equal(3, lines.Length);
        Assert.All(lines, l => Assert.Matches(@"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z slurmnative-audit\[\d+\]: action=fetch ", l));
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(path));

        string link = dir.File("link.log");
        File.CreateSymbolicLink(link, dir.File("elsewhere"));
        var refused = Assert.Throws<IOException>(() => new FileSink(link));
        Assert.Contains("symbolic link", refused.Message);
        Assert.False(File.Exists(dir.File("elsewhere")));
    }

    [Fact]
    public void Reopen_follows_a_rotated_file()
    {
        using var dir = new TempDirectory();
        string path = dir.File("audit.log");
        using var audit = new AuditTrail(new FileSink(path), _ => { });
        audit.Record("store", "ok");
        File.Move(path, path + ".1");
        audit.Reopen();
        audit.Record("remove", "ok");

        Assert.Contains("action=store", File.ReadAllText(path + ".1"));
        Assert.Contains("action=remove", File.ReadAllText(path));
    }

    /// <summary>journald's native protocol: KEY=VALUE\n, or KEY\n + 64-bit little-endian length + bytes + \n.</summary>
    private static Dictionary<string, string> ParseNative(byte[] datagram)
    {
        var fields = new Dictionary<string, string>();
        int at = 0;
        while (at < datagram.Length)
        {
            int newline = Array.IndexOf(datagram, (byte)'\n', at);
            string head = Encoding.ASCII.GetString(datagram, at, newline - at);
            if (head.Contains('='))
            {
                fields[head[..head.IndexOf('=')]] = head[(head.IndexOf('=') + 1)..];
                at = newline + 1;
                continue;
            }
            int length = (int)BinaryPrimitives.ReadUInt64LittleEndian(datagram.AsSpan(newline + 1, 8));
            fields[head] = Encoding.UTF8.GetString(datagram, newline + 9, length);
            Assert.Equal((byte)'\n', datagram[newline + 9 + length]);
            at = newline + 10 + length;
        }
        return fields;
    }
}
