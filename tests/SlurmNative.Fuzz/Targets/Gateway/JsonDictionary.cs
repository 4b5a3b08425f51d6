using System.Text;

namespace SlurmNative.Fuzz.Targets.Gateway;

/// <summary>JSON punctuation and escapes worth splicing into JSON inputs.</summary>
internal static class JsonDictionary
{
    public static IReadOnlyList<byte[]> Tokens { get; } =
        new[] { "{", "}", "[", "]", ":", ",", "\"", "\\u0000", "\\ud800", "\\\"", "null", "true", "1e999", "-0", "/*", "//", "\uFEFF" }
            .Select(Encoding.UTF8.GetBytes)
            .Append([0xC3, 0x28]).Append([0xED, 0xA0, 0x80]).Append([0xFF])
            .ToArray();
}
