using System.Buffers.Binary;
using CsCheck;
using SlurmNative.Credentials.Protocol;
using SlurmNative.Fuzz.Engine;
using SlurmNative.Tests.TestSupport;

namespace SlurmNative.Fuzz.Targets.Protocol;

/// <summary>
/// The frame envelope, read the three ways the code reads it: the daemon's one-frame async
/// read, the clients' blocking read, and the general async read. Input: which reader, the
/// chunk size the bytes arrive in, then the bytes of the connection.
/// </summary>
internal sealed class FrameTarget() : FuzzTarget(
    "frame",
    "Frame.ReadSingleAsync / Read / ReadAsync: length, version, kind, body, in chunks",
    typeof(ProtocolException),
    new MemoryBound(0, Overhead))
{
    private const int HeaderBytes = 6;

    // The header array, a 4 KiB pool buffer, the async machinery, the refusal's exception and message.
    private const int Overhead = 64 * 1024;

    public override string AllocationBoundText => $"the declared body length, capped at Frame.MaxBodyBytes, plus {Overhead / 1024} KiB";

    public override Outcome Run(byte[] input)
    {
        int reader = input.Length > 0 ? input[0] % 3 : 0;
        int chunk = input.Length > 1 ? input[1] : 0;
        ReadOnlyMemory<byte> connection = input.AsMemory(Math.Min(input.Length, 2));
        var stream = ChunkedStream.InPiecesOf(connection, chunk);
        (FrameKind Kind, byte[] Body)? frame = reader switch
        {
            0 => Frame.ReadSingleAsync(stream, CancellationToken.None).GetAwaiter().GetResult(),
            1 => Frame.Read(buffer => stream.Receive(buffer.Span)),
            _ => Frame.ReadAsync(stream, CancellationToken.None).GetAwaiter().GetResult(),
        };
        if (frame is null)
        {
            if (!connection.IsEmpty)
                throw new PropertyViolation("a connection that sent bytes was read as one that closed at once");
            return Outcome.Accepted;
        }
        uint declared = BinaryPrimitives.ReadUInt32BigEndian(connection.Span);
        var (kind, body) = frame.Value;
        if (body.Length != declared - 2 || !Enum.IsDefined(kind) || connection.Span[4] != Frame.Version)
            throw new PropertyViolation("a frame was accepted with a body, kind or version other than its header declares");
        if (!body.AsSpan().SequenceEqual(connection.Span.Slice(HeaderBytes, body.Length)))
            throw new PropertyViolation("a frame's body differs from the bytes that followed its header");
        return Outcome.Accepted;
    }

    public override long AllocationBound(byte[] input)
    {
        long declared = input.Length >= 6 ? BinaryPrimitives.ReadUInt32BigEndian(input.AsSpan(2)) : 0;
        return Math.Clamp(declared - 2, 0, Frame.MaxBodyBytes) + Overhead;
    }

    public override Gen<byte[]> Structured { get; } =
        Gen.Select(Gen.Byte[0, 2], Gen.Frequency((3, Gen.Const((byte)0)), (2, Gen.Byte[1, 7]), (1, Gen.Byte)), Body(), Gen.Int[0, 19], Gen.Byte, Gens.Bytes(1, 8))
            .SelectMany(t => Gens.Length(t.Item3.Length + 2).Select(length => (t, length)))
            .Select(x =>
            {
                var ((reader, chunk, body, twist, other, extra), length) = x;
                var frame = new List<byte> { reader, chunk };
                Span<byte> header = stackalloc byte[HeaderBytes];
                BinaryPrimitives.WriteUInt32BigEndian(header, length);
                header[4] = twist == 0 ? other : Frame.Version;
                header[5] = twist == 1 ? other : (byte)(1 + other % 3);
                frame.AddRange(header.ToArray());
                frame.AddRange(body);
                if (twist == 2)
                    frame.AddRange(extra);
                if (twist == 3)
                    frame.RemoveRange(frame.Count / 2, frame.Count - frame.Count / 2);
                return frame.ToArray();
            });

    private static Gen<byte[]> Body() => Gen.Frequency(
        (20, Gens.Bytes(0, 300)),
        (3, Gens.Bytes(4000, 5000)),
        (1, Gen.Int[Frame.MaxBodyBytes - 2, Frame.MaxBodyBytes + 2].Select(n => new byte[n])));
}
