using CsCheck;
using SlurmNative.Credentials.Protocol;
using SlurmNative.Fuzz.Engine;

namespace SlurmNative.Fuzz.Targets.Protocol;

/// <summary>
/// A request's payload as the daemon decodes it after MUNGE: operation, request id, reply
/// key, target uid, blob. What decodes must encode back to exactly the same bytes.
/// </summary>
internal sealed class RequestTarget() : FuzzTarget(
    "request",
    "Request.Decode: the payload inside a request's MUNGE credential",
    typeof(ProtocolException),
    new MemoryBound(4))
{
    public override Outcome Run(byte[] input)
    {
        Request request = Request.Decode(input);
        if (!request.Encode().AsSpan().SequenceEqual(input))
            throw new PropertyViolation("a decoded request does not encode back to its bytes");
        return Outcome.Accepted;
    }

    public override Gen<byte[]> Structured { get; } =
        Gen.Select(
            Gen.Frequency((10, Gen.Byte[1, 5]), (1, Gen.Byte)),
            Gen.Frequency((10, Gen.Const(Request.IdBytes)), (1, Gen.Int[0, Request.IdBytes + 2])).SelectMany(n => Gens.Bytes(n, n)),
            Gen.Frequency((10, Gen.Const(Request.KeyBytes)), (1, Gen.Int[0, Request.KeyBytes + 2])).SelectMany(n => Gens.Bytes(n, n)),
            Gen.Frequency((3, Gen.Const(uint.MaxValue)), (3, Gen.UInt[0, 70000]), (1, Gen.UInt)),
            Gens.Bytes(0, 300).SelectMany(blob => Gens.Length(blob.Length).Select(length => (blob, length))),
            Gen.Frequency((10, Gen.Const(Array.Empty<byte>())), (1, Gens.Bytes(1, 8))))
        .Select((operation, id, key, target, blob, trailing) => new WireWriter()
            .Byte(operation).Bytes(id).Bytes(key).UInt32(target).UInt32(blob.length).Bytes(blob.blob).Bytes(trailing).ToArray());
}
