using System.Text;
using SlurmNative.Credentials.Kerberos;
using SlurmNative.Daemon.Service;

namespace SlurmNative.Tests.Daemon.Fakes;

/// <summary>A "ticket" here is the text "principal|localUid|tgt|addresses|endUnixSeconds".</summary>
internal sealed class FakeInspector : ITicketInspector
{
    public static byte[] Ticket(string principal, uint? localUid, bool tgt = true, bool addresses = false, DateTimeOffset? end = null) =>
        Encoding.UTF8.GetBytes($"{principal}|{localUid?.ToString() ?? "-"}|{tgt}|{addresses}|{(end ?? DateTimeOffset.UtcNow.AddHours(10)).ToUnixTimeSeconds()}");

    public TicketFacts Inspect(byte[] ticket)
    {
        string[] fields = Encoding.UTF8.GetString(ticket).Split('|');
        if (fields.Length != 5)
            throw new FormatException("not a fake ticket");
        var end = DateTimeOffset.FromUnixTimeSeconds(long.Parse(fields[4], System.Globalization.CultureInfo.InvariantCulture));
        return new TicketFacts(new TicketTimes(fields[0], end.AddHours(-10), end, end.AddDays(7)),
            fields[2] == "True" ? "krbtgt/TEST@TEST" : "host/x@TEST",
            fields[1] == "-" ? null : uint.Parse(fields[1], System.Globalization.CultureInfo.InvariantCulture),
            0x40000000, fields[2] == "True", fields[3] == "True");
    }
}
