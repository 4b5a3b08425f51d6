namespace SlurmNative.Credentials;

/// <summary>
/// Timestamps for messages and the job environment, always UTC, written out by hand: .NET's
/// date formatting drags the local time zone machinery (TimeZoneInfo, tzdata parsing) into
/// the plugin even for UTC output.
/// </summary>
public static class UtcText
{
    /// <summary>"2026-11-23 13:24:36Z", what the "u" format prints.</summary>
    public static string Readable(DateTimeOffset time) => Write(time, ' ');

    /// <summary>"2026-11-23T13:24:36Z" (ISO 8601).</summary>
    public static string Iso(DateTimeOffset time) => Write(time, 'T');

    private static string Write(DateTimeOffset time, char separator)
    {
        DateTime t = time.UtcDateTime;
        Span<char> text = stackalloc char[20];
        Digits(text[..4], t.Year);
        text[4] = '-';
        Digits(text.Slice(5, 2), t.Month);
        text[7] = '-';
        Digits(text.Slice(8, 2), t.Day);
        text[10] = separator;
        Digits(text.Slice(11, 2), t.Hour);
        text[13] = ':';
        Digits(text.Slice(14, 2), t.Minute);
        text[16] = ':';
        Digits(text.Slice(17, 2), t.Second);
        text[19] = 'Z';
        return new string(text);
    }

    private static void Digits(Span<char> field, int value)
    {
        for (int i = field.Length - 1; i >= 0; i--, value /= 10)
            field[i] = (char)('0' + (value % 10));
    }
}
