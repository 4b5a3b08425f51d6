using System.Text;
using CsCheck;
using SlurmNative.Credentials.Configuration;
using SlurmNative.Fuzz.Engine;

namespace SlurmNative.Fuzz.Targets.Configuration;

/// <summary>slurmnative.conf, which the daemon, the CLI, the gateway and every srun read.</summary>
internal sealed class SlurmNativeConfTarget() : FuzzTarget(
    "slurmnative-conf",
    "SlurmNativeConfig.Parse: key = value lines",
    typeof(ConfigException),
    new MemoryBound(64))
{
    private static readonly string[] Keys =
    [
        "servers", "client_timeout", "daemon_user", "listen", "unix_socket", "database", "key_file", "acl_file", "slurm_user",
        "frame_timeout", "request_timeout", "max_connections", "max_waiting_per_host", "renew_threshold", "renew_interval", "renew_concurrency", "munge_socket",
    ];

    public override Outcome Run(byte[] input)
    {
        SlurmNativeConfig config = SlurmNativeConfig.Parse(Encoding.UTF8.GetString(input), "fuzz.conf");
        if (config.ClientTimeout < TimeSpan.Zero || config.Servers.Count == 0 || config.Listen.Count == 0)
            throw new PropertyViolation("a configuration was accepted with a negative timeout or an empty list");
        return Outcome.Accepted;
    }

    public override IReadOnlyList<byte[]> Dictionary { get; } =
        Keys.Concat(["=", " = ", "#", "\n", ",", "ms", "s", "m", "h", "d", "[::]:6850", "0.0.0.0:", "99999999999999999"]).Select(Encoding.UTF8.GetBytes).ToArray();

    private static readonly Gen<string> Duration = Gen.Frequency(
        (4, Gen.Select(Gen.Long[0, 100_000], Gen.OneOf("ms", "s", "m", "h", "d")).Select((n, unit) => $"{n}{unit}")),
        (2, Gen.Select(Gen.Long[0, long.MaxValue], Gen.OneOf("ms", "s", "m", "h", "d")).Select((n, unit) => $"{n}{unit}")),
        (1, Gen.OneOf("5", "s", "-5s", "5 s", "5S", "1e3s", "0x10s", "١s", "99999999999999999999d", "")));

    private static readonly Gen<string> Value = Gen.Frequency(
        (3, Duration),
        (2, Gen.OneOf("localhost:6850", "a:1,b:2", ",", "0.0.0.0:6850, [::]:6850", "[::1]", "127.0.0.1:99999", "[fe80::1%eth0]:6850", "root", "1000", "0", "-1", "2147483648", "/run/munge/munge.socket.2", "")),
        (1, Gen.String[Gen.Char, 0, 30]));

    private static readonly Gen<string> Line = Gen.Frequency(
        (8, Gen.Select(Gen.OneOf(Keys), Gen.OneOf(" = ", "=", " =\t"), Value).Select((key, equals, value) => key + equals + value)),
        (1, Gen.OneOf("# comment", "", "   ", "=value", "novalue", "servers", "unknown_key = 1", "servers = a # trailing comment")),
        (1, Gen.String[Gen.Char, 0, 40]));

    public override Gen<byte[]> Structured { get; } =
        Gen.Select(Line.Array[0, 10], Gen.OneOf("\n", "\r\n")).Select((lines, newline) => Encoding.UTF8.GetBytes(string.Join(newline, lines)));
}
