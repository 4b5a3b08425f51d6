using System.Buffers.Binary;
using System.Text;

namespace SlurmNative.Credentials.Protocol;

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
