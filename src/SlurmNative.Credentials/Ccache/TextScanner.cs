namespace SlurmNative.Credentials.Ccache;

/// <summary>
/// Reading names and process titles by hand rather than with Regex: this runs inside
/// slurmstepd, where the regular-expression engine would add its code to every job's memory.
/// </summary>
internal static class TextScanner
{
    /// <summary>Moves past <paramref name="literal"/> if the text starts with it.</summary>
    public static bool Skip(ref ReadOnlySpan<char> rest, string literal)
    {
        if (!rest.StartsWith(literal, StringComparison.Ordinal))
            return false;
        rest = rest[literal.Length..];
        return true;
    }

    /// <summary>Moves past the longest run of characters <paramref name="accept"/> takes; false if there was none.</summary>
    public static bool Take(ref ReadOnlySpan<char> rest, Func<char, bool> accept, out ReadOnlySpan<char> taken)
    {
        int length = 0;
        while (length < rest.Length && accept(rest[length]))
            length++;
        taken = rest[..length];
        rest = rest[length..];
        return length > 0;
    }
}
