using System.Net;
using System.Text;
using CsCheck;
using SlurmNative.Credentials.Protocol;
using SlurmNative.Daemon.Acl;
using SlurmNative.Fuzz.Engine;

namespace SlurmNative.Fuzz.Targets.Configuration;

/// <summary>acl.conf: rules the daemon reloads on SIGHUP. What parses must also decide every request without failing.</summary>
internal sealed class AclTarget() : FuzzTarget(
    "acl-conf",
    "AccessPolicy.Parse: role and conditions per line, then every rule matched",
    typeof(AclFormatException),
    new MemoryBound(64))
{
    private static readonly Caller[] Callers =
    [
        new(0, 0, "root", new HashSet<string> { "root" }, IPAddress.Loopback),
        new(1001, 100, "alice", new HashSet<string> { "hpc" }, IPAddress.Parse("::ffff:10.0.0.7")),
        new(64030, 64030, null, new HashSet<string>(), null),
        new(1002, 100, "bob", new HashSet<string> { "hpc", "gpu" }, IPAddress.Parse("fe80::1")),
    ];

    public override Outcome Run(byte[] input)
    {
        AccessPolicy policy = AccessPolicy.Parse(Encoding.UTF8.GetString(input), "fuzz-acl.conf");
        foreach (Caller caller in Callers)
        {
            foreach (Operation operation in Enum.GetValues<Operation>())
                policy.Authorize(caller, operation, 1001);
        }
        return Outcome.Accepted;
    }

    public override IReadOnlyList<byte[]> Dictionary { get; } =
        new[] { "user", "node", "admin", "gateway", "uid=", "user=", "group=", "host=", "*", "/", "::", "%", "#", "\n", "\t" }.Select(Encoding.UTF8.GetBytes).ToArray();

    private static readonly Gen<string> Condition = Gen.Frequency(
        (3, Gen.Select(Gen.OneOf("uid", "user", "group", "host"), Gen.OneOf("0", "1001", "4294967295", "4294967296", "-1", "slurm", "hpc", "127.0.0.1", "127.0.0.1/32", "10.0.0.0/8", "10.0.0.1/8", "::1", "::/0", "fe80::1%eth0", "fe80::%1/64", "1.2.3.4/33", "::1/129", "1.2.3", "")).Select((key, value) => $"{key}={value}")),
        (1, Gen.OneOf("*", "=x", "uid=", "x=y", "uid=1=2")),
        (1, Gen.String[Gen.Char, 0, 16]));

    private static readonly Gen<string> Line = Gen.Frequency(
        (8, Gen.Select(Gen.OneOf("user", "node", "admin", "gateway", "root", ""), Condition.Array[0, 4]).Select((role, conditions) => role + " " + string.Join(" ", conditions))),
        (1, Gen.OneOf("# comment", "", "user *", "user * uid=0", "admin uid=0 uid=1")),
        (1, Gen.String[Gen.Char, 0, 40]));

    public override Gen<byte[]> Structured { get; } =
        Gen.Select(Line.Array[0, 8], Gen.OneOf("\n", "\r\n")).Select((lines, newline) => Encoding.UTF8.GetBytes(string.Join(newline, lines)));
}
