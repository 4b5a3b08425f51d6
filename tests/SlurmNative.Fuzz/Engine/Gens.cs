using System.Globalization;
using System.Text;
using CsCheck;

namespace SlurmNative.Fuzz.Engine;

/// <summary>The building blocks of near-valid inputs: lengths that lie, text that is almost text, JSON of the wrong type.</summary>
public static class Gens
{
    /// <summary>The true length mostly; otherwise off by one, zero, or a boundary value.</summary>
    public static Gen<uint> Length(int actual) => Gen.Frequency(
        (16, Gen.Const((uint)actual)),
        (1, Gen.Const(unchecked((uint)(actual - 1)))),
        (1, Gen.Const((uint)actual + 1)),
        (1, Gen.OneOf(0u, 0xFFFFu, 0x7FFFFFFFu, 0xFFFFFFFFu)),
        (1, Gen.UInt));

    /// <summary>Bytes of the given size range.</summary>
    public static Gen<byte[]> Bytes(int min, int max) => Gen.Byte.Array[min, max];

    /// <summary>Mostly names a configuration would use; sometimes non-ASCII, control characters or invalid UTF-8.</summary>
    public static readonly Gen<byte[]> Utf8Text = Gen.Frequency(
        (12, Gen.String[Gen.Char.AlphaNumeric, 0, 24].Select(Encoding.UTF8.GetBytes)),
        (2, Gen.String[Gen.Char['\0', '\u00ff'], 0, 24].Select(Encoding.UTF8.GetBytes)),
        (1, Gen.String[Gen.Char, 0, 24].Select(Encoding.UTF8.GetBytes)),
        (1, Gen.Byte.Array[0, 24]));

    public static readonly Gen<string> Name = Gen.String[Gen.Char.AlphaNumeric, 1, 12];

    /// <summary>A JSON string literal: plain, escaped, with lone surrogates, control characters, or long.</summary>
    public static readonly Gen<string> JsonString = Gen.Frequency(
        (8, Name.Select(Quote)),
        (2, Gen.OneOf("\"\\ud800\"", "\"a\\udfff\"", "\"\\u0000\"", "\"\\n\\t\"", "\"\\u202e\"", "\"\"", "\"-x\"", "\"/../etc\"", "\"#!/bin/sh\\nhostname\\n\"", "\"#!\\ud800\"")),
        (1, Gen.String[Gen.Char, 0, 40].Select(Quote)),
        (1, Gen.Int[1, 3000].Select(n => Quote(new string('a', n)))));

    public static readonly Gen<string> JsonScalar = Gen.Frequency(
        (3, JsonString),
        (3, Gen.OneOf("0", "1", "-1", "2147483647", "2147483648", "-2147483649", "9223372036854775807", "9223372036854775808",
            "-9223372036854775809", "1e400", "1.5", "-0", "1E2", "0.0000001", "253402300799", "253402300800", "-62135596801")),
        (2, Gen.Long.Select(n => n.ToString(CultureInfo.InvariantCulture))),
        (1, Gen.OneOf("true", "false", "null")),
        (1, Gen.OneOf("[]", "{}", "[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]")));

    /// <summary>Any JSON value, nested at most a few levels, with numbers at the edges of every integer type.</summary>
    public static readonly Gen<string> JsonValue = Gen.Recursive<string>((depth, inner) => depth >= 3
        ? JsonScalar
        : Gen.Frequency(
            (6, JsonScalar),
            (1, JsonArray(inner, 4)),
            (1, Gen.Select(Name, inner).Array[0, 4].Select(members => "{" + string.Join(",", members.Select(m => $"{Quote(m.Item1)}:{m.Item2}")) + "}"))));

    /// <summary>An array of up to <paramref name="most"/> items.</summary>
    public static Gen<string> JsonArray(Gen<string> item, int most) =>
        item.Array[0, most].Select(items => "[" + string.Join(",", items) + "]");

    /// <summary>What a listing's array member may hold: items among stray scalars, or a scalar instead of the array.</summary>
    public static Gen<string> ListOrScalar(Gen<string> item, int most) =>
        Gen.OneOf(JsonArray(Gen.OneOf(item, JsonScalar), most), JsonScalar);

    /// <summary>One member of an object: the right kind of value mostly, else any value, else left out.</summary>
    public static Gen<string?> Member(string name, Gen<string> right, int wrong = 2, int missing = 2) => Gen.Frequency(
        (10, right.Select(v => (string?)$"{Quote(name)}:{v}")),
        (wrong, JsonValue.Select(v => (string?)$"{Quote(name)}:{v}")),
        (missing, Gen.Const((string?)null)));

    /// <summary>An object of the members given, shuffled, sometimes with a member twice or an unknown one, sometimes cut short or followed by more.</summary>
    public static Gen<byte[]> JsonObject(params Gen<string?>[] members) =>
        Gen.Select(All(members), Gen.Int[0, 19], MemberName, JsonValue, (present, twist, extraName, extraValue) =>
        {
            var parts = present.Where(p => p is not null).Cast<string>().ToList();
            if (twist == 0 && parts.Count > 0)
                parts.Add(parts[0]);
            if (twist == 1)
                parts.Insert(parts.Count / 2, $"{Quote(extraName)}:{extraValue}");
            string text = "{" + string.Join(",", parts) + "}";
            text = twist switch
            {
                2 => text[..(text.Length / 2)],
                3 => text + " {}",
                4 => "[" + text + "]",
                5 => text.Replace(",", ",,", StringComparison.Ordinal),
                _ => text,
            };
            return Encoding.UTF8.GetBytes(text);
        });

    /// <summary>One value from each generator, in order.</summary>
    public static Gen<List<T>> All<T>(IEnumerable<Gen<T>> gens) =>
        gens.Aggregate(Gen.Const(new List<T>()), (list, gen) => list.SelectMany(done => gen.Select(one => new List<T>(done) { one })));

    /// <summary>A JSON string literal of <paramref name="value"/>; other characters, lone surrogates included, go in as they are.</summary>
    public static string Quote(string value)
    {
        var text = new StringBuilder("\"", value.Length + 2);
        foreach (char c in value)
        {
            if (c is '"' or '\\')
                text.Append('\\').Append(c);
            else if (c < ' ')
                text.Append(CultureInfo.InvariantCulture, $"\\u{(int)c:x4}");
            else
                text.Append(c);
        }
        return text.Append('"').ToString();
    }

    private static readonly Gen<string> MemberName = Gen.OneOf(Name, Gen.OneOf("__proto__", "", "user_id", "Script", "SCRIPT", "keys", "alg"));
}
