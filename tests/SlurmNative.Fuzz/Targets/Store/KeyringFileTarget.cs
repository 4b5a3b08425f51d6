using System.Text;
using CsCheck;
using SlurmNative.Store.Keys;
using SlurmNative.Fuzz.Engine;

namespace SlurmNative.Fuzz.Targets.Store;

/// <summary>The daemon's key file: KEY_ID BASE64 lines. What parses must make a keyring (or be empty).</summary>
internal sealed class KeyringFileTarget() : FuzzTarget(
    "keyring-file",
    "Keyring.Parse: the AES-256-GCM key file",
    typeof(KeyringException),
    new MemoryBound(32))
{
    public override Outcome Run(byte[] input)
    {
        List<(string Id, byte[] Key)> keys = Keyring.Parse(Encoding.UTF8.GetString(input), "fuzz-keys");
        if (keys.Count > 0)
            Keyring.FromKeys(keys);
        return Outcome.Accepted;
    }

    public override IReadOnlyList<byte[]> Dictionary { get; } =
        new[] { " ", "\t", "\n", "#", "=", "==", "+", "/", "k1", "\r\n" }.Select(Encoding.UTF8.GetBytes).ToArray();

    private static readonly Gen<string> Line = Gen.Frequency(
        (8, Gen.Select(Gen.OneOf(Gen.OneOf("k1", "k2", "k.1_a-b", "", "bad id", "ü", new string('k', 64), new string('k', 65)), Gens.Name),
                Gen.Frequency((6, Gen.Const(32)), (1, Gen.Int[0, 64])).SelectMany(n => Gens.Bytes(n, n)), Gen.OneOf(" ", "\t", "  ", ""), Gen.Int[0, 5])
            .Select((id, key, space, twist) => id + space + twist switch
            {
                0 => Convert.ToBase64String(key).TrimEnd('='),
                1 => Convert.ToBase64String(key) + " extra",
                2 => "not*base64",
                _ => Convert.ToBase64String(key),
            })),
        (1, Gen.OneOf("# comment", "", "   ", "k1")),
        (1, Gen.String[Gen.Char, 0, 60]));

    public override Gen<byte[]> Structured { get; } =
        Gen.Select(Line.Array[0, 5], Gen.OneOf("\n", "\r\n")).Select((lines, newline) => Encoding.UTF8.GetBytes(string.Join(newline, lines)));
}
