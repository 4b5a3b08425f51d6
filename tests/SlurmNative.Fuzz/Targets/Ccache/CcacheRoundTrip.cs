using SlurmNative.Credentials.Ccache;
using SlurmNative.Fuzz.Engine;

namespace SlurmNative.Fuzz.Targets.Ccache;

/// <summary>What the ccache writer writes, the reader reads back equal.</summary>
internal static class CcacheRoundTrip
{
    /// <exception cref="PropertyViolation">the TGT did not survive writing and reading.</exception>
    public static void Check(byte[] tgt)
    {
        byte[] file;
        try
        {
            FileCcacheFormat.ReadTimes(tgt, out _, out _, out _);
            file = FileCcacheFormat.Encode(tgt);
        }
        catch (FormatException e)
        {
            throw new PropertyViolation($"a TGT the reader found cannot be read or written again: {e.Message}");
        }
        byte[]? again = FileCcacheFormat.FindTicketGrantingTicket(file, CcacheGens.Now);
        if (again is null || !again.AsSpan().SequenceEqual(tgt))
            throw new PropertyViolation("the ccache written for a TGT does not give that TGT back");
    }
}
