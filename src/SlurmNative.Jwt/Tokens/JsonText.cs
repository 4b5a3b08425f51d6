using System.Text.Json;

namespace SlurmNative.Jwt.Tokens;

/// <summary>
/// Whether a parsed JSON document's names and strings are text. JsonDocument accepts invalid
/// UTF-8 and lone surrogate escapes (\ud800) inside strings and only throws, an
/// InvalidOperationException, when one is read: by GetString, and by TryGetProperty comparing
/// names. A document from someone else is checked once here, so every later read is safe.
/// </summary>
internal static class JsonText
{
    public static bool IsReadable(JsonElement element)
    {
        try
        {
            Visit(element);
            return true;
        }
        catch (InvalidOperationException)
        {
            return false;
        }
    }

    // Recursion is bounded by JsonDocument's own depth limit (64).
    private static void Visit(JsonElement element)
    {
        switch (element.ValueKind)
        {
            case JsonValueKind.Object:
                foreach (JsonProperty member in element.EnumerateObject())
                {
                    _ = member.Name;
                    Visit(member.Value);
                }
                break;
            case JsonValueKind.Array:
                foreach (JsonElement item in element.EnumerateArray())
                    Visit(item);
                break;
            case JsonValueKind.String:
                _ = element.GetString();
                break;
        }
    }
}
