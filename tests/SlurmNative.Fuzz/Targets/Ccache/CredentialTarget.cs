using CsCheck;
using SlurmNative.Credentials.Ccache;
using SlurmNative.Fuzz.Engine;

namespace SlurmNative.Fuzz.Targets.Ccache;

/// <summary>
/// A credential as slurmstepd gets it from the daemon: its times read without libkrb5, then
/// written as the job's FILE ccache. If that file holds a usable TGT, it is this credential.
/// </summary>
internal sealed class CredentialTarget() : FuzzTarget(
    "ccache-credential",
    "FileCcacheFormat.ReadTimes and Encode on one marshalled credential",
    typeof(FormatException),
    new MemoryBound(16, Why: "decoding invalid UTF-8, .NET allocates about 15 bytes per byte"))
{
    public override Gen<byte[]> Structured => CcacheGens.Credential;

    public override Outcome Run(byte[] input)
    {
        FileCcacheFormat.ReadTimes(input, out _, out _, out _);
        byte[] file = FileCcacheFormat.Encode(input);
        byte[]? tgt;
        try
        {
            tgt = FileCcacheFormat.FindTicketGrantingTicket(file, CcacheGens.Now);
        }
        catch (FormatException)
        {
            // Bytes after the times were not a whole credential: the file is refused as a whole, rightly.
            return Outcome.Accepted;
        }
        if (tgt is not null && !tgt.AsSpan().SequenceEqual(input))
            throw new PropertyViolation("the ccache written for a credential gives back another one");
        return Outcome.Accepted;
    }
}
