using CsCheck;
using SlurmNative.Credentials.Ccache;
using SlurmNative.Fuzz.Engine;

namespace SlurmNative.Fuzz.Targets.Ccache;

/// <summary>
/// A user's FILE ccache as srun reads it without libkrb5. The TGT found must be one whose
/// times can be read, and the file the node writer makes of it must give back the same TGT.
/// </summary>
internal sealed class CcacheFileTarget() : FuzzTarget(
    "ccache",
    "FileCcacheFormat.FindTicketGrantingTicket on a user's FILE ccache, and the writer's round trip",
    typeof(FormatException),
    new MemoryBound(16, Why: "decoding invalid UTF-8, .NET allocates about 15 bytes per byte"))
{
    public override Gen<byte[]> Structured => CcacheGens.File;

    public override Outcome Run(byte[] input)
    {
        byte[]? tgt = FileCcacheFormat.FindTicketGrantingTicket(input, CcacheGens.Now);
        if (tgt is null)
            return Outcome.Refused;
        CcacheRoundTrip.Check(tgt);
        return Outcome.Accepted;
    }
}
