using CsCheck;
using SlurmNative.Credentials.Ccache;
using SlurmNative.Fuzz.Engine;

namespace SlurmNative.Fuzz.Targets.Ccache;

/// <summary>
/// A user's FILE ccache as srun reads it without libkrb5. The TGT found must be one whose
/// times can be read, and the file the node writer makes of it must give back the same TGT.
/// </summary>
internal sealed class CcacheFileTarget : FuzzTarget
{
    public override string Name => "ccache";

    public override string Description => "FileCcacheFormat.FindTicketGrantingTicket on a user's FILE ccache, and the writer's round trip";

    public override Type? RefusalType => typeof(FormatException);

    public override string AllocationBoundText => "8 times the input, plus 64 KiB";

    public override long AllocationBound(byte[] input) => 8L * input.Length + 65536;

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
