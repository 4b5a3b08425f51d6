using System.Globalization;
using System.Text;

namespace SlurmNative.Credentials.Ccache;

/// <summary>
/// Which ccache a job's steps share on this node, for whom, and which slurmstepd keeps it fresh
/// when that is the job's extern step (0 when every step takes part). One line,
/// <c>v1 UID EXTERN_PID FILENAME\n</c>: the plugin's C side reads it in every step without the
/// .NET runtime, and the newline at the end tells a whole record from one caught mid-write.
/// </summary>
internal sealed record JobCcacheRecord(uint Uid, int ExternPid, string FileName)
{
    private const string Magic = Interop.Shim.SLURMNATIVE_JOB_RECORD_MAGIC;

    /// <summary>Longer than any record written; what the C side reads at most.</summary>
    public const int MaxBytes = 512;

    public byte[] Encode() =>
        Encoding.ASCII.GetBytes(string.Create(CultureInfo.InvariantCulture, $"{Magic} {Uid} {ExternPid} {FileName}\n"));

    /// <summary>Null for anything but one whole, well-formed record.</summary>
    public static JobCcacheRecord? Decode(ReadOnlySpan<byte> bytes)
    {
        if (bytes.Length is 0 or > MaxBytes || bytes[^1] != (byte)'\n')
            return null;
        string[] fields = Encoding.ASCII.GetString(bytes[..^1]).Split(' ');
        if (fields.Length != 4 || fields[0] != Magic
            || !uint.TryParse(fields[1], NumberStyles.None, CultureInfo.InvariantCulture, out uint uid)
            || !int.TryParse(fields[2], NumberStyles.None, CultureInfo.InvariantCulture, out int externPid)
            || !IsCcacheFileName(fields[3]))
            return null;
        return new JobCcacheRecord(uid, externPid, fields[3]);
    }

    /// <summary>A plain name in the ccache directory, as the installer makes them: nothing that could lead elsewhere.</summary>
    private static bool IsCcacheFileName(string name) =>
        name.StartsWith(Interop.Shim.SLURMNATIVE_CCACHE_NAME_PREFIX, StringComparison.Ordinal) && name.Length < 200
        && name.All(c => char.IsAsciiLetterOrDigit(c) || c is '_' or '.' or '-');
}
