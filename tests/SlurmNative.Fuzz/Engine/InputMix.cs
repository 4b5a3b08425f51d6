using CsCheck;

namespace SlurmNative.Fuzz.Engine;

/// <summary>
/// Where a campaign's inputs come from: mostly the target's near-valid structured inputs,
/// whole or damaged, then earlier findings (the corpus) damaged, then plain noise, which
/// finds what no structure thought of.
/// </summary>
public static class InputMix
{
    public static Gen<byte[]> For(FuzzTarget target, IReadOnlyList<byte[]> corpus)
    {
        var mix = new List<(int, IGen<byte[]>)>
        {
            (45, target.Structured),
            (35, new Mutator(target.Structured, target.Dictionary)),
            (10, Noise),
        };
        if (corpus.Count > 0)
            mix.Add((10, new Mutator(Gen.OneOf([.. corpus]), target.Dictionary)));
        else
            mix.Add((10, new Mutator(Noise, target.Dictionary)));
        return Gen.Frequency([.. mix]);
    }

    /// <summary>Random bytes, short mostly, sometimes printable, sometimes a few KiB.</summary>
    public static readonly Gen<byte[]> Noise = Gen.Frequency(
        (6, Gen.Byte.Array[0, 64]),
        (3, Gen.Char['\t', '~'].Array[0, 256].Select(chars => System.Text.Encoding.UTF8.GetBytes(chars))),
        (1, Gen.Byte.Array[0, 8192]));
}
