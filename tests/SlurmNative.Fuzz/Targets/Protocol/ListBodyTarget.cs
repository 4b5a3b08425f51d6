using CsCheck;
using SlurmNative.Credentials.Protocol;
using SlurmNative.Fuzz.Engine;

namespace SlurmNative.Fuzz.Targets.Protocol;

/// <summary>The body of a list reply as the CLI decodes it; what decodes encodes to something that decodes the same.</summary>
internal sealed class ListBodyTarget() : FuzzTarget(
    "list-body",
    "CredentialSummary.DecodeList: the entries of a list reply",
    typeof(ProtocolException),
    new MemoryBound(24, Why: "decoding invalid UTF-8, .NET allocates about 15 bytes per byte"))
{
    public override Outcome Run(byte[] input)
    {
        IReadOnlyList<CredentialSummary> entries = CredentialSummary.DecodeList(input);
        if (!CredentialSummary.DecodeList(CredentialSummary.EncodeList([.. entries])).SequenceEqual(entries))
            throw new PropertyViolation("a decoded list does not survive encoding and decoding again");
        return Outcome.Accepted;
    }

    private static readonly Gen<long> Time = Gen.Frequency((10, Gen.Long[0, 4_102_444_800]), (1, Gen.Long));

    private static readonly Gen<byte[]> Entry =
        Gen.Select(Gen.UInt, Gens.Utf8Text, Time, Time, Time, Gen.UInt)
            .SelectMany(t => Gens.Length(t.Item2.Length).Select(length => (t, length)))
            .Select(x => new WireWriter().UInt32(x.t.Item1).UInt16((ushort)x.length).Bytes(x.t.Item2)
                .Int64(x.t.Item3).Int64(x.t.Item4).Int64(x.t.Item5).UInt32(x.t.Item6).ToArray());

    public override Gen<byte[]> Structured { get; } =
        Entry.Array[0, 6].SelectMany(entries => Gens.Length(entries.Length).Select(count =>
        {
            var writer = new WireWriter().UInt32(count);
            foreach (byte[] entry in entries)
                writer.Bytes(entry);
            return writer.ToArray();
        }));
}
