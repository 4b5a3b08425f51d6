using System.Buffers.Binary;
using CsCheck;

namespace SlurmNative.Fuzz.Engine;

/// <summary>
/// Byte-level damage to an input another generator made: bit flips, boundary integers
/// written over length fields, insertions, deletions, repeats, truncation, dictionary tokens.
/// One to four edits, so the result is still close to what the parser expects.
/// </summary>
public sealed class Mutator(Gen<byte[]> source, IReadOnlyList<byte[]> dictionary) : Gen<byte[]>
{
    private static readonly uint[] BoundaryIntegers = [0, 1, 2, 0x7F, 0x80, 0xFF, 0x100, 0xFFFF, 0x10000, 0x7FFFFFFF, 0x80000000, 0xFFFFFFFE, 0xFFFFFFFF, 256 * 1024, 256 * 1024 + 2, 256 * 1024 + 3];

    public override byte[] Generate(PCG pcg, Size? min, out Size size)
    {
        var data = new List<byte>(source.Generate(pcg, min, out size));
        int edits = 1 + (int)pcg.Next(4);
        for (int i = 0; i < edits; i++)
            Edit(pcg, data);
        if (data.Count > Limits.MaxInputBytes)
            data.RemoveRange(Limits.MaxInputBytes, data.Count - Limits.MaxInputBytes);
        return [.. data];
    }

    private void Edit(PCG pcg, List<byte> data)
    {
        int at = data.Count == 0 ? 0 : (int)pcg.Next((uint)data.Count);
        switch (pcg.Next(9))
        {
            case 0 when data.Count > 0:
                data[at] ^= (byte)(1 << (int)pcg.Next(8));
                break;
            case 1 when data.Count > 0:
                data[at] = (byte)pcg.Next(256);
                break;
            case 2 when data.Count >= 4:
            {
                // Length and count fields are 16 or 32 bits, big-endian, at any offset.
                Span<byte> value = stackalloc byte[4];
                BinaryPrimitives.WriteUInt32BigEndian(value, BoundaryIntegers[pcg.Next((uint)BoundaryIntegers.Length)]);
                int width = pcg.Next(2) == 0 ? 4 : 2;
                at = Math.Min(at, data.Count - width);
                for (int j = 0; j < width; j++)
                    data[at + j] = value[4 - width + j];
                break;
            }
            case 3:
                data.InsertRange(at, RandomBytes(pcg, 1 + (int)pcg.Next(16)));
                break;
            case 4 when data.Count > 0:
                data.RemoveRange(at, Math.Min(data.Count - at, 1 + (int)pcg.Next(16)));
                break;
            case 5 when data.Count > 0:
            {
                int length = Math.Min(data.Count - at, 1 + (int)pcg.Next(64));
                data.InsertRange(at, data.GetRange(at, length));
                break;
            }
            case 6 when data.Count > 0:
                data.RemoveRange(at, data.Count - at);
                break;
            case 7 when dictionary.Count > 0:
                data.InsertRange(at, dictionary[(int)pcg.Next((uint)dictionary.Count)]);
                break;
            default:
                data.Insert(at, (byte)pcg.Next(256));
                break;
        }
    }

    private static byte[] RandomBytes(PCG pcg, int length)
    {
        byte[] bytes = new byte[length];
        for (int i = 0; i < length; i++)
            bytes[i] = (byte)pcg.Next(256);
        return bytes;
    }
}
