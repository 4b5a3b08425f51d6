using CsCheck;
using SlurmNative.Credentials.Protocol;
using SlurmNative.Fuzz.Engine;

namespace SlurmNative.Fuzz.Targets.Protocol;

/// <summary>
/// A plain reply, which anyone able to answer on the daemon's address can send: it must
/// never claim success, and its message must come out short and printable.
/// </summary>
internal sealed class PlainReplyTarget() : FuzzTarget(
    "plain-reply",
    "Reply.DecodePlain: status and message of an unauthenticated reply",
    typeof(ProtocolException),
    new MemoryBound(16, Why: "decoding invalid UTF-8, .NET allocates about 15 bytes per byte"))
{
    public override Outcome Run(byte[] input)
    {
        Reply reply = Reply.DecodePlain(input);
        if (reply.Status == ReplyStatus.Ok)
            throw new PropertyViolation("an unauthenticated reply was believed to be a success");
        if (reply.Message.Length > 403 || reply.Message.Any(c => char.IsControl(c) || char.IsSurrogate(c) || c is '\u202e' or '\u2028'))
            throw new PropertyViolation("a plain reply's message came out long or with control, format or surrogate characters");
        return Outcome.Accepted;
    }

    public override Gen<byte[]> Structured { get; } =
        Gen.Select(
            Gen.Frequency((10, Gen.Byte[1, 9]), (1, Gen.Byte)),
            Gen.Frequency((6, Gens.Utf8Text), (1, Gen.String[Gen.Char, 390, 1200].Select(System.Text.Encoding.UTF8.GetBytes))),
            Gen.Frequency((10, Gen.Const(Array.Empty<byte>())), (1, Gens.Bytes(1, 4))))
        .SelectMany(t => Gens.Length(t.Item2.Length).Select(length => (t, length)))
        .Select(x => new WireWriter().Byte(x.t.Item1).UInt16((ushort)x.length).Bytes(x.t.Item2).Bytes(x.t.Item3).ToArray());
}
