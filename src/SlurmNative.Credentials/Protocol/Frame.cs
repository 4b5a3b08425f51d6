using System.Buffers.Binary;

namespace SlurmNative.Credentials.Protocol;

/// <summary>The outer envelope of every message: length, version, kind, body.</summary>
public static class Frame
{
    public const byte Version = 2;

    /// <summary>Hard limit on what a peer may make us allocate for one message.</summary>
    public const int MaxBodyBytes = 256 * 1024;

    private const int HeaderBytes = 6;

    public static byte[] Encode(FrameKind kind, ReadOnlySpan<byte> body)
    {
        if (body.Length > MaxBodyBytes)
            throw new ProtocolException(ReplyStatus.TooLarge, $"message of {body.Length} bytes exceeds the limit of {MaxBodyBytes}");
        var frame = new byte[HeaderBytes + body.Length];
        BinaryPrimitives.WriteUInt32BigEndian(frame, (uint)(body.Length + 2));
        frame[4] = Version;
        frame[5] = (byte)kind;
        body.CopyTo(frame.AsSpan(HeaderBytes));
        return frame;
    }

    /// <summary>
    /// Reads one frame. The declared length is checked before the body buffer exists,
    /// so an oversized or lying length costs nothing. Null when the peer closed cleanly
    /// before sending anything.
    /// </summary>
    public static async Task<(FrameKind Kind, byte[] Body)?> ReadAsync(Stream stream, CancellationToken cancel)
    {
        var header = new byte[HeaderBytes];
        int first = await stream.ReadAsync(header.AsMemory(0, HeaderBytes), cancel).ConfigureAwait(false);
        if (first == 0)
            return null;
        await ReadExactlyAsync(stream, header.AsMemory(first), cancel).ConfigureAwait(false);
        (FrameKind kind, int bodyLength) = ParseHeader(header);
        var body = new byte[bodyLength];
        await ReadExactlyAsync(stream, body, cancel).ConfigureAwait(false);
        return (kind, body);
    }

    /// <summary>
    /// The blocking twin of <see cref="ReadAsync"/>, for clients inside srun and slurmstepd, where one
    /// blocking socket is cheaper than starting the async I/O machinery. <paramref name="receive"/>
    /// is one blocking read (bytes read, 0 when the peer closed) whose own timeout bounds it.
    /// </summary>
    public static (FrameKind Kind, byte[] Body)? Read(Func<Memory<byte>, int> receive)
    {
        var header = new byte[HeaderBytes];
        int first = receive(header);
        if (first == 0)
            return null;
        ReadExactly(receive, header.AsMemory(first));
        (FrameKind kind, int bodyLength) = ParseHeader(header);
        var body = new byte[bodyLength];
        ReadExactly(receive, body);
        return (kind, body);
    }

    private static void ReadExactly(Func<Memory<byte>, int> receive, Memory<byte> buffer)
    {
        while (!buffer.IsEmpty)
        {
            int count = receive(buffer);
            if (count == 0)
                throw new ProtocolException(ReplyStatus.BadRequest, "connection closed in the middle of a message");
            buffer = buffer[count..];
        }
    }

    private static (FrameKind Kind, int BodyLength) ParseHeader(byte[] header)
    {
        uint length = BinaryPrimitives.ReadUInt32BigEndian(header);
        if (length < 2)
            throw new ProtocolException(ReplyStatus.BadRequest, "frame length is shorter than its header");
        if (length - 2 > MaxBodyBytes)
            throw new ProtocolException(ReplyStatus.TooLarge, $"frame of {length} bytes exceeds the limit of {MaxBodyBytes}");
        if (header[4] != Version)
            throw new ProtocolException(ReplyStatus.UnsupportedVersion, $"protocol version {header[4]} is not supported (this side speaks {Version}); upgrade the older side");
        var kind = (FrameKind)header[5];
        if (!Enum.IsDefined(kind))
            throw new ProtocolException(ReplyStatus.BadRequest, $"unknown frame kind {header[5]}");
        return (kind, (int)(length - 2));
    }

    private static async Task ReadExactlyAsync(Stream stream, Memory<byte> buffer, CancellationToken cancel)
    {
        try
        {
            await stream.ReadExactlyAsync(buffer, cancel).ConfigureAwait(false);
        }
        catch (EndOfStreamException)
        {
            throw new ProtocolException(ReplyStatus.BadRequest, "connection closed in the middle of a message");
        }
    }
}
