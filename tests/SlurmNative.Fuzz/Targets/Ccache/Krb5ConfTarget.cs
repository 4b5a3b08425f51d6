using System.Text;
using CsCheck;
using SlurmNative.Credentials.Ccache;
using SlurmNative.Fuzz.Engine;

namespace SlurmNative.Fuzz.Targets.Ccache;

/// <summary>
/// Which ccache srun reads, from KRB5CCNAME and the user's krb5.conf: the first line of the
/// input is KRB5CCNAME (empty: unset), the rest is the krb5.conf KRB5_CONFIG names. It never
/// throws; it names an absolute FILE path with no token left, or leaves the choice to libkrb5.
/// </summary>
internal sealed class Krb5ConfTarget() : FuzzTarget(
    "krb5-conf",
    "UserFileCcache.DefaultPath: KRB5CCNAME, then default_ccache_name in krb5.conf",
    null,
    new MemoryBound(32, Why: "decoding invalid UTF-8, .NET allocates about 15 bytes per byte"))
{
    private const uint Uid = 4321;
    private readonly string profile = Path.Combine(Scratch, "krb5.conf");

    private static string Scratch { get; } = CreateScratch();

    private static string CreateScratch()
    {
        string path = Directory.CreateTempSubdirectory("slurmnative-fuzz-").FullName;
        AppDomain.CurrentDomain.ProcessExit += (_, _) => Directory.Delete(path, recursive: true);
        return path;
    }

    public override Outcome Run(byte[] input)
    {
        int newline = Array.IndexOf(input, (byte)'\n');
        string ccname = Encoding.UTF8.GetString(input, 0, newline < 0 ? input.Length : newline);
        File.WriteAllBytes(profile, newline < 0 ? [] : input.AsSpan(newline + 1).ToArray());
        string? path = UserFileCcache.DefaultPath(name => name switch
        {
            "KRB5CCNAME" => ccname.Length == 0 ? null : ccname,
            "KRB5_CONFIG" => $"{Scratch}/missing.conf:{profile}",
            _ => null,
        }, Uid);
        if (path is null)
            return Outcome.Refused;
        if (path.Contains("%{", StringComparison.Ordinal) || path.Length == 0)
            throw new PropertyViolation($"'{path}' still has a token or is empty");
        return Outcome.Accepted;
    }

    public override IReadOnlyList<byte[]> Dictionary { get; } =
        new[] { "[libdefaults]", "default_ccache_name", " = ", "FILE:", "DIR:", "KEYRING:", "%{uid}", "%{euid}", "%{USERID}", "%{null}", "include ", "module ", "{", "}", "\n", "\r\n", "#" }
            .Select(Encoding.UTF8.GetBytes).ToArray();

    private static readonly Gen<string> CcacheName = Gen.Frequency(
        (6, Gen.OneOf("/tmp/krb5cc_%{uid}", "FILE:/tmp/krb5cc_%{euid}", "FILE:/run/user/%{USERID}/krb5cc", "DIR:/run/user/%{uid}/krb5cc", "KEYRING:persistent:%{uid}", "KCM:", "FILE:", "/tmp/%{null}", "relative/path", "FILE:%{uid}", "/tmp/a%b")),
        (1, Gen.String[Gen.Char, 0, 30]));

    private static readonly Gen<string> Line = Gen.Frequency(
        (6, Gen.Select(Gen.OneOf("", "  ", "\t"), CcacheName, Gen.OneOf(" = ", "=", " =", "= ", " ")).Select((indent, value, equals) => $"{indent}default_ccache_name{equals}{value}")),
        (4, Gen.OneOf("[libdefaults]", "[realms]", "[ libdefaults ]", "[libdefaults", "default_realm = FUZZ.TEST", "FUZZ.TEST = {", "}", "kdc = k.fuzz.test", "# comment", "include /etc/krb5.d/x.conf", "includedir /etc/krb5.conf.d/", "module x:y", "")),
        (1, Gen.String[Gen.Char, 0, 40]));

    public override Gen<byte[]> Structured { get; } =
        Gen.Select(Gen.Frequency((3, Gen.Const("")), (2, CcacheName)), Line.Array[0, 12], Gen.OneOf("\n", "\r\n"))
            .Select((ccname, lines, newline) => Encoding.UTF8.GetBytes(ccname.Replace("\n", "", StringComparison.Ordinal) + "\n" + string.Join(newline, lines)));
}
