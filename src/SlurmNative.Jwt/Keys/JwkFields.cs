using System.Text.Json;
using SlurmNative.Jwt.Tokens;

namespace SlurmNative.Jwt.Keys;

/// <summary>
/// Typed access to one JWK object, with every failure naming the file, the entry and the
/// member. Values of secret members are never put in a message.
/// </summary>
internal readonly struct JwkFields
{
    private readonly JsonElement element;

    public JwkFields(JsonElement element, string where)
    {
        if (element.ValueKind != JsonValueKind.Object)
            throw new JwtKeyException($"{where} is not a JSON object: each key is an object such as {{\"kty\": ..., \"kid\": ...}}");
        this.element = element;
        Where = where;
    }

    /// <summary>"file: keys[i]", the prefix of every message about this entry.</summary>
    public string Where { get; }

    /// <summary>
    /// Each entry of a JWKS document's "keys" array, named "file: keys[i]" for messages.
    /// Invalid JSON is refused with <paramref name="repairHint"/>, what the admin should do.
    /// </summary>
    public static List<JwkFields> Entries(ReadOnlySpan<byte> json, string source, string repairHint)
    {
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(json.ToArray());
        }
        catch (JsonException e)
        {
            throw new JwtKeyException($"{source} is not valid JSON (line {e.LineNumber + 1}): {repairHint}", e);
        }
        // Entries outlive the document: each holds a clone of its own element.
        using (document)
        {
            if (!JsonText.IsReadable(document.RootElement))
                throw new JwtKeyException($"{source} has a name or string that is not valid UTF-8 text: {repairHint}");
            var entries = new List<JwkFields>();
            int index = 0;
            foreach (JsonElement entry in KeysArray(document.RootElement, source).EnumerateArray())
                entries.Add(new JwkFields(entry.Clone(), $"{source}: keys[{index++}]"));
            return entries;
        }
    }

    /// <summary>The "keys" array of a JWKS document (RFC 7517 §5).</summary>
    private static JsonElement KeysArray(JsonElement root, string source)
    {
        if (root.ValueKind != JsonValueKind.Object || !root.TryGetProperty("keys", out JsonElement keys))
            throw new JwtKeyException($"{source} is not a key set: it must be a JSON object with a \"keys\" list ({{\"keys\": [...]}})");
        if (keys.ValueKind != JsonValueKind.Array)
            throw new JwtKeyException($"{source}: \"keys\" must be a list ([...])");
        return keys;
    }

    public bool Has(string name) => element.TryGetProperty(name, out _);

    public string? OptionalString(string name)
    {
        if (!element.TryGetProperty(name, out JsonElement value))
            return null;
        if (value.ValueKind != JsonValueKind.String)
            throw new JwtKeyException($"{Where}: \"{name}\" must be a string");
        return value.GetString();
    }

    public string RequiredString(string name)
    {
        string? value = OptionalString(name);
        if (value is null)
            throw new JwtKeyException($"{Where}: \"{name}\" is missing");
        if (value.Length == 0)
            throw new JwtKeyException($"{Where}: \"{name}\" is empty");
        return value;
    }

    /// <summary>A member whose value is fixed by the format (compared as Slurm does, ignoring case).</summary>
    public void RequireValue(string name, string expected)
    {
        string value = RequiredString(name);
        if (!string.Equals(value, expected, StringComparison.OrdinalIgnoreCase))
            throw new JwtKeyException($"{Where}: \"{name}\" is \"{Printable(value)}\"; it must be \"{expected}\"");
    }

    /// <summary>Binary member in base64url (base64 is accepted too); its text is never echoed.</summary>
    public byte[] RequiredBytes(string name)
    {
        string text = RequiredString(name);
        if (!Base64Url.TryDecodeLenient(text, out byte[] bytes) || bytes.Length == 0)
            throw new JwtKeyException($"{Where}: \"{name}\" is not valid base64url");
        return bytes;
    }

    /// <summary>A Unix time in seconds (RFC 7519's NumericDate, as integers only), one a date can hold.</summary>
    public DateTimeOffset? OptionalUnixTime(string name)
    {
        if (!element.TryGetProperty(name, out JsonElement value))
            return null;
        if (value.ValueKind != JsonValueKind.Number || !value.TryGetInt64(out long seconds))
            throw new JwtKeyException($"{Where}: \"{name}\" must be an integer (a Unix time in seconds)");
        if (seconds < 0 || seconds > DateTimeOffset.MaxValue.ToUnixTimeSeconds())
            throw new JwtKeyException($"{Where}: \"{name}\" is out of range for a Unix time");
        return DateTimeOffset.FromUnixTimeSeconds(seconds);
    }

    private static string Printable(string s)
    {
        string cut = s.Length > 32 ? s[..32] + "..." : s;
        return string.Concat(cut.Select(c => char.IsControl(c) ? '?' : c));
    }
}
