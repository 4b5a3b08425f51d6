using System.Buffers.Binary;
using System.Security.Cryptography;

namespace SlurmNative.Credentials.Protocol;

/// <summary>The outer envelope of every message: length, version, kind, body.</summary>
public static class Frame
{
    public const byte Version = 3;

    /// <summary>Hard limit on what a peer may make us allocate for one message.</summary>
    public const int MaxBodyBytes = 256 * 1024;

    private const int HeaderBytes = 6;

    // Holds a whole get request (a MUNGE credential of a few hundred bytes) and most uploads.
    private const int FirstReadBytes = 4096;

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
    /// Reads the one frame a connection carries (the protocol's one request, or one reply,
    /// per connection), usually in a single read: the header and a small body arrive together,
    /// and a read per part would cost a system call each. Bytes a peer sends after the frame
    /// are left unread or ignored, never taken for another message. Same limits and errors as
    /// <see cref="ReadAsync"/>; null when the peer closed cleanly before sending anything.
    /// </summary>
    public static async Task<(FrameKind Kind, byte[] Body)?> ReadSingleAsync(Stream stream, CancellationToken cancel)
    {
        byte[] first = System.Buffers.ArrayPool<byte>.Shared.Rent(FirstReadBytes);
        int filled = 0;
        try
        {
            filled = await stream.ReadAsync(first.AsMemory(0, FirstReadBytes), cancel).ConfigureAwait(false);
            if (filled == 0)
                return null;
            while (filled < HeaderBytes)
            {
                int read = await stream.ReadAsync(first.AsMemory(filled, FirstReadBytes - filled), cancel).ConfigureAwait(false);
                if (read == 0)
                    throw new ProtocolException(ReplyStatus.BadRequest, "connection closed in the middle of a message");
                filled += read;
            }
            var (kind, body, have) = BeginBody(first, filled);
            await ReadExactlyAsync(stream, body.AsMemory(have), cancel).ConfigureAwait(false);
            return (kind, body);
        }
        finally
        {
            // A rented buffer outlives this call: leave nothing of the message in it.
            CryptographicOperations.ZeroMemory(first.AsSpan(0, filled));
            System.Buffers.ArrayPool<byte>.Shared.Return(first);
        }
    }

    /// <summary>
    /// The blocking twin of <see cref="ReadSingleAsync"/>, for clients inside srun and
    /// slurmstepd, where one blocking socket is cheaper than starting the async I/O machinery.
    /// <paramref name="receive"/> is one blocking read (bytes read, 0 when the peer closed)
    /// whose own timeout bounds it; the frame usually arrives in one.
    /// </summary>
    public static (FrameKind Kind, byte[] Body)? Read(Func<Memory<byte>, int> receive)
    {
        byte[] first = System.Buffers.ArrayPool<byte>.Shared.Rent(FirstReadBytes);
        int filled = 0;
        try
        {
            filled = receive(first.AsMemory(0, FirstReadBytes));
            if (filled == 0)
                return null;
            while (filled < HeaderBytes)
            {
                int read = receive(first.AsMemory(filled, FirstReadBytes - filled));
                if (read == 0)
                    throw new ProtocolException(ReplyStatus.BadRequest, "connection closed in the middle of a message");
                filled += read;
            }
            var (kind, body, have) = BeginBody(first, filled);
            ReadExactly(receive, body.AsMemory(have));
            return (kind, body);
        }
        finally
        {
            // A rented buffer outlives this call: leave nothing of the message in it.
            CryptographicOperations.ZeroMemory(first.AsSpan(0, filled));
            System.Buffers.ArrayPool<byte>.Shared.Return(first);
        }
    }

    /// <summary>The body of a frame whose header (and perhaps more) is in <paramref name="first"/>; how much of it is already there.</summary>
    private static (FrameKind Kind, byte[] Body, int Have) BeginBody(byte[] first, int filled)
    {
        (FrameKind kind, int bodyLength) = ParseHeader(first);
        var body = new byte[bodyLength];
        int have = Math.Min(filled - HeaderBytes, bodyLength);
        first.AsSpan(HeaderBytes, have).CopyTo(body);
        return (kind, body, have);
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

    private static (FrameKind Kind, int BodyLength) ParseHeader(ReadOnlySpan<byte> header)
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
