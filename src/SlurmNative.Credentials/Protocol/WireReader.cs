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

/// <summary>Builds big-endian messages; the counterpart of <see cref="WireReader"/>.</summary>
internal sealed class WireWriter
{
    private readonly MemoryStream buffer = new();

    public WireWriter Byte(byte value)
    {
        buffer.WriteByte(value);
        return this;
    }

    public WireWriter UInt16(ushort value)
    {
        Span<byte> bytes = stackalloc byte[2];
        BinaryPrimitives.WriteUInt16BigEndian(bytes, value);
        buffer.Write(bytes);
        return this;
    }

    public WireWriter UInt32(uint value)
    {
        Span<byte> bytes = stackalloc byte[4];
        BinaryPrimitives.WriteUInt32BigEndian(bytes, value);
        buffer.Write(bytes);
        return this;
    }

    public WireWriter Int64(long value)
    {
        Span<byte> bytes = stackalloc byte[8];
        BinaryPrimitives.WriteInt64BigEndian(bytes, value);
        buffer.Write(bytes);
        return this;
    }

    public WireWriter Bytes(ReadOnlySpan<byte> value)
    {
        buffer.Write(value);
        return this;
    }

    public WireWriter Blob32(ReadOnlySpan<byte> value) => UInt32((uint)value.Length).Bytes(value);

    public WireWriter String16(string value)
    {
        byte[] bytes = Encoding.UTF8.GetBytes(value);
        if (bytes.Length > ushort.MaxValue)
            throw new ArgumentException("string too long for the protocol", nameof(value));
        return UInt16((ushort)bytes.Length).Bytes(bytes);
    }

    public byte[] ToArray() => buffer.ToArray();
}
