using System.Text;
using CsCheck;
using SlurmNative.Credentials.Ccache;
using SlurmNative.Fuzz.Engine;

namespace SlurmNative.Fuzz.Targets.Ccache;

/// <summary>
/// A job's ccache record in the state directory, as every step of the job reads it to find the
/// ccache it shares. What is accepted must name a plain file in the ccache directory and read back
/// the same after writing.
/// </summary>
internal sealed class JobCcacheRecordTarget() : FuzzTarget(
    "job-ccache-record",
    "JobCcacheRecord.Decode: v1 UID EXTERN_PID FILENAME records in the state directory",
    null,
    new MemoryBound(16))
{
    public override Outcome Run(byte[] input)
    {
        JobCcacheRecord? record = JobCcacheRecord.Decode(input);
        if (record is null)
            return Outcome.Refused;
        if (record.FileName.Contains('/', StringComparison.Ordinal) || record.FileName is "." or ".." || !record.FileName.StartsWith("krb5cc_", StringComparison.Ordinal))
            throw new PropertyViolation($"an accepted record names '{record.FileName}', not a plain ccache file name");
        byte[] written = record.Encode();
        if (written.Length > JobCcacheRecord.MaxBytes || JobCcacheRecord.Decode(written) != record)
            throw new PropertyViolation("an accepted record does not read back the same once written");
        return Outcome.Accepted;
    }

    public override IReadOnlyList<byte[]> Dictionary { get; } =
        new[] { "v1 ", "krb5cc_", "_slurm", " ", "\n", "/", "..", "4294967295", "2147483648", "-1", "+1" }.Select(Encoding.ASCII.GetBytes).ToArray();

    private static readonly Gen<string> Field = Gen.Frequency(
        (6, Gen.OneOf("1001", "0", "42")),
        (3, Gen.OneOf("4294967295", "4294967296", "2147483647", "2147483648", "007", "-1", "+1", " 1", "")),
        (1, Gen.UInt.Select(n => n.ToString(System.Globalization.CultureInfo.InvariantCulture))));

    private static readonly Gen<string> FileName = Gen.Frequency(
        (6, Gen.OneOf("krb5cc_1001_slurm12", "krb5cc_1001_slurm12_AbC123", "krb5cc_1001_slurm7.0")),
        (3, Gen.OneOf("krb5cc_", "krb5cc_..", "krb5cc_1/../x", "krb5cc_a b", "../krb5cc_1", "krb5cc_\u00e9")),
        (1, Gen.Int[190, 210].Select(n => "krb5cc_" + new string('a', n))),
        (1, Gen.String[Gen.Char, 0, 20]));

    public override Gen<byte[]> Structured { get; } =
        Gen.Select(Gen.Frequency((6, Gen.Const("v1")), (1, Gen.OneOf("v2", "V1", ""))), Field, Field, FileName,
                Gen.Frequency((6, Gen.Const("\n")), (1, Gen.OneOf("", "\n\n", " \n", "\r\n"))), Gen.Int[0, 9])
            .Select((magic, uid, pid, name, end, twist) => Encoding.UTF8.GetBytes(twist switch
            {
                0 => $"{magic}  {uid} {pid} {name}{end}",
                1 => $"{magic} {uid} {pid} {name} extra{end}",
                2 => $"{magic} {uid} {pid}{end}",
                _ => $"{magic} {uid} {pid} {name}{end}",
            }));
}
