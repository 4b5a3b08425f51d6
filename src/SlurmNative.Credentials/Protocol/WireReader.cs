using System.Buffers.Binary;
using System.Text;

namespace SlurmNative.Credentials.Protocol;

/// <summary>Reads big-endian fields, checking every length against what is left before using it.</summary>
internal ref struct WireReader(ReadOnlySpan<byte> data)
{
    private ReadOnlySpan<byte> rest = data;

    public readonly bool AtEnd => rest.IsEmpty;

    public byte Byte() => Take(1)[0];

    public ushort UInt16() => BinaryPrimitives.ReadUInt16BigEndian(Take(2));

    public uint UInt32() => BinaryPrimitives.ReadUInt32BigEndian(Take(4));

    public long Int64() => BinaryPrimitives.ReadInt64BigEndian(Take(8));

    public ReadOnlySpan<byte> Bytes(int count) => Take(count);

    public byte[] Blob32()
    {
        uint length = UInt32();
        if (length > (uint)rest.Length)
            throw Truncated();
        return Take((int)length).ToArray();
    }

    public string String16() => Encoding.UTF8.GetString(Take(UInt16()));

    public readonly void EnsureEnd()
    {
        if (!rest.IsEmpty)
            throw new ProtocolException(ReplyStatus.BadRequest, $"{rest.Length} unexpected bytes after the message");
    }

    private ReadOnlySpan<byte> Take(int count)
    {
        if (count > rest.Length)
            throw Truncated();
        ReadOnlySpan<byte> taken = rest[..count];
        rest = rest[count..];
        return taken;
    }

    private static ProtocolException Truncated() => new(ReplyStatus.BadRequest, "message is truncated");
}
