namespace SlurmNative.Jwt.Tokens;

/// <summary>Unpadded base64url (RFC 7515 §2), strict on input.</summary>
internal static class Base64Url
{
    public static string Encode(ReadOnlySpan<byte> data) => System.Buffers.Text.Base64Url.EncodeToString(data);

    /// <summary>
    /// Decodes only the canonical form: alphabet A-Z a-z 0-9 - _, no padding, no whitespace,
    /// zero trailing bits. Anything looser would let several strings carry one signature.
    /// </summary>
    public static bool TryDecode(ReadOnlySpan<char> text, out byte[] data)
    {
        data = [];
        if (text.Length % 4 == 1)
            return false;
        foreach (char c in text)
        {
            if (!(char.IsAsciiLetterOrDigit(c) || c is '-' or '_'))
                return false;
        }
        try
        {
            data = System.Buffers.Text.Base64Url.DecodeFromChars(text);
        }
        catch (FormatException)
        {
            return false;
        }
        return text.SequenceEqual(Encode(data));
    }

    /// <summary>
    /// Decodes base64 or base64url, padded or not, as slurm.jwks' "k" may be either
    /// (authentication.html: "Base64 or Base64url encoded binary blob").
    /// </summary>
    public static bool TryDecodeLenient(string text, out byte[] data)
    {
        data = [];
        string standard = text.Replace('-', '+').Replace('_', '/').TrimEnd('=');
        if (standard.Length % 4 == 1 || standard.Any(c => !(char.IsAsciiLetterOrDigit(c) || c is '+' or '/')))
            return false;
        standard = standard.PadRight(standard.Length + (4 - standard.Length % 4) % 4, '=');
        try
        {
            data = Convert.FromBase64String(standard);
            return true;
        }
        catch (FormatException)
        {
            return false;
        }
    }
}
