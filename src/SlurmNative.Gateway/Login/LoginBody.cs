using System.Security.Cryptography;
using System.Text.Json;

namespace SlurmNative.Gateway.Login;

/// <summary>
/// The login request, parsed by hand so the password never becomes a string: strings are
/// immutable and live until the GC moves on, while this buffer is pinned and wiped in
/// <see cref="Dispose"/>. The caller wipes the request body it passed in.
/// </summary>
internal sealed class LoginBody : IDisposable
{
    private readonly char[] password;

    private LoginBody(string userName, char[] password, int passwordLength)
    {
        UserName = userName;
        this.password = password;
        PasswordLength = passwordLength;
    }

    public string UserName { get; }

    private int PasswordLength { get; }

    public ReadOnlySpan<char> Password => password.AsSpan(0, PasswordLength);

    /// <exception cref="FormatException">malformed JSON or text, a missing or unknown member; the message is for the client.</exception>
    public static LoginBody Parse(ReadOnlySpan<byte> json)
    {
        string? user = null;
        char[]? secret = null;
        int secretLength = 0;
        try
        {
            var reader = new Utf8JsonReader(json, new JsonReaderOptions { CommentHandling = JsonCommentHandling.Disallow, MaxDepth = 4 });
            if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
                throw new FormatException("the body must be a JSON object: {\"username\": \"...\", \"password\": \"...\"}");
            while (reader.Read() && reader.TokenType != JsonTokenType.EndObject)
            {
                if (reader.TokenType != JsonTokenType.PropertyName)
                    throw new FormatException("malformed JSON object");
                string name = reader.GetString()!;
                if (!reader.Read())
                    throw new FormatException("malformed JSON object");
                switch (name)
                {
                    case "username" when user is null:
                        user = reader.TokenType == JsonTokenType.String ? reader.GetString() : throw new FormatException("username must be a string");
                        break;
                    case "password" when secret is null:
                        if (reader.TokenType != JsonTokenType.String)
                            throw new FormatException("password must be a string");
                        int max = reader.HasValueSequence ? checked((int)reader.ValueSequence.Length) : reader.ValueSpan.Length;
                        secret = GC.AllocateArray<char>(Math.Max(max, 1), pinned: true);
                        secretLength = reader.CopyString(secret);
                        break;
                    case "username" or "password":
                        throw new FormatException($"'{name}' appears twice");
                    default:
                        throw new FormatException($"unknown field '{Printable(name)}'; a login takes only username and password");
                }
            }
            if (reader.TokenType != JsonTokenType.EndObject || reader.Read())
                throw new FormatException("malformed JSON: trailing data after the object");
        }
        catch (JsonException e)
        {
            Wipe(secret);
            throw new FormatException($"malformed JSON at byte {e.BytePositionInLine}", e);
        }
        catch (InvalidOperationException e)
        {
            // The reader checks structure, not text: a name or string with invalid UTF-8 or a lone
            // surrogate escape (\ud800) only fails when it is read as characters.
            Wipe(secret);
            throw new FormatException("malformed JSON: a name or string is not valid UTF-8 text", e);
        }
        catch
        {
            Wipe(secret);
            throw;
        }
        if (user is null || secret is null)
        {
            Wipe(secret);
            throw new FormatException("username and password are both required");
        }
        return new LoginBody(user, secret, secretLength);
    }

    public void Dispose() => Wipe(password);

    private static void Wipe(char[]? secret)
    {
        if (secret is not null)
            CryptographicOperations.ZeroMemory(System.Runtime.InteropServices.MemoryMarshal.AsBytes(secret.AsSpan()));
    }

    private static string Printable(string value)
    {
        string cut = value.Length > 40 ? value[..40] + "..." : value;
        return string.Concat(cut.Select(c => char.IsControl(c) ? '?' : c));
    }

    /// <summary>User names the gateway accepts: what POSIX and Kerberos agree on, so NAME@REALM is exactly one principal.</summary>
    public static bool IsValidUserName(string name) =>
        name.Length is > 0 and <= 64 && name[0] != '-' && name.All(c => char.IsAsciiLetterOrDigit(c) || c is '_' or '-' or '.');
}
