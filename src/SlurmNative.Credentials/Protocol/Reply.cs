using System.Security.Cryptography;

namespace SlurmNative.Credentials.Protocol;

/// <summary>The daemon's answer: a status, a human-readable message, and a body whose meaning depends on the operation.</summary>
public sealed record Reply(ReplyStatus Status, string Message, byte[] Body)
{
    /// <summary>
    /// aes256-cts-hmac-sha384-192 (RFC 8009): encrypt-then-MAC, so a sealed reply is authenticated
    /// as well as secret; its key is the request's 32-byte reply key. Sealed and opened with MIT's
    /// libk5crypto, which needs neither OpenSSL nor libkrb5 in the requesting process.
    /// </summary>
    private const int SealEnctype = Interop.Krb5.ENCTYPE_AES256_CTS_HMAC_SHA384_192;

    /// <summary>RFC 4120 7.5.1 keeps key usages 1024-2047 for applications; the keys derived for it serve nothing else.</summary>
    internal const int SealKeyUsage = 1024;

    public static Reply Ok(byte[]? body = null) => new(ReplyStatus.Ok, "", body ?? []);

    public static Reply Error(ReplyStatus status, string message) => new(status, message, []);

    /// <summary>Loads what <see cref="Open"/> needs, for a client to call while the daemon works on its request.</summary>
    public static void PrepareToOpen() => Interop.Krb5.LoadCrypto(SealEnctype);

    /// <summary>
    /// Encrypts under the request's reply key. The plaintext starts with the protocol version, the
    /// frame kind and the request id, which <see cref="Open"/> checks: it answers that request only.
    /// </summary>
    public byte[] Seal(Request request)
    {
        CheckKey(request);
        byte[] plaintext = Binding(new WireWriter(), request).Byte((byte)Status).String16(Message).Blob32(Body).ToArray();
        try
        {
            return Frame.Encode(FrameKind.SealedReply, Interop.Krb5.Encrypt(SealEnctype, request.ReplyKey, SealKeyUsage, plaintext));
        }
        finally
        {
            CryptographicOperations.ZeroMemory(plaintext);
        }
    }

    public static Reply Open(Request request, ReadOnlySpan<byte> sealedBody)
    {
        CheckKey(request);
        if (!Interop.Krb5.TryDecrypt(SealEnctype, request.ReplyKey, SealKeyUsage, sealedBody, out byte[] plaintext))
            throw new ProtocolException(ReplyStatus.Unauthenticated, "the reply does not answer this request (wrong key, tampered or truncated)");
        try
        {
            var reader = new WireReader(plaintext);
            byte[] expected = Binding(new WireWriter(), request).ToArray();
            if (!CryptographicOperations.FixedTimeEquals(reader.Bytes(expected.Length), expected))
                throw new ProtocolException(ReplyStatus.Unauthenticated, "the reply does not answer this request (it was sealed for another one)");
            var reply = new Reply((ReplyStatus)reader.Byte(), reader.String16(), reader.Blob32());
            reader.EnsureEnd();
            return reply;
        }
        finally
        {
            CryptographicOperations.ZeroMemory(plaintext);
        }
    }

    /// <summary>For requests that could not be authenticated: status and message only, never data.</summary>
    public byte[] EncodePlain() =>
        Frame.Encode(FrameKind.PlainReply, new WireWriter().Byte((byte)Status).String16(Message).ToArray());

    /// <summary>
    /// A plain reply, which anyone able to answer on the daemon's address could have sent: its
    /// message is cut short and stripped of control characters before a terminal or a log shows it.
    /// </summary>
    public static Reply DecodePlain(ReadOnlySpan<byte> body)
    {
        var reader = new WireReader(body);
        var reply = new Reply((ReplyStatus)reader.Byte(), Printable(reader.String16()), []);
        reader.EnsureEnd();
        if (reply.Status == ReplyStatus.Ok)
            throw new ProtocolException(ReplyStatus.Unauthenticated, "an unauthenticated reply claimed success; ignoring it");
        return reply;
    }

    /// <summary>Longer than any message the daemon writes, short enough for one log line.</summary>
    private const int MaxPlainMessageChars = 400;

    private static string Printable(string message)
    {
        Span<char> text = stackalloc char[Math.Min(message.Length, MaxPlainMessageChars)];
        for (int i = 0; i < text.Length; i++)
            text[i] = IsPrintable(message[i]) ? message[i] : '?';
        return message.Length > MaxPlainMessageChars ? string.Concat(text, "...") : new string(text);
    }

    // Format characters include the bidirectional overrides that make text read other than it is.
    private static bool IsPrintable(char c) => char.GetUnicodeCategory(c) is not
        (System.Globalization.UnicodeCategory.Control or System.Globalization.UnicodeCategory.Format
        or System.Globalization.UnicodeCategory.LineSeparator or System.Globalization.UnicodeCategory.ParagraphSeparator
        or System.Globalization.UnicodeCategory.Surrogate or System.Globalization.UnicodeCategory.OtherNotAssigned);

    // libk5crypto derives keys from a base key of any length; the protocol's is always 32 random bytes.
    private static void CheckKey(Request request)
    {
        if (request.ReplyKey.Length != Request.KeyBytes)
            throw new ProtocolException(ReplyStatus.BadRequest, $"a reply key has {Request.KeyBytes} bytes, not {request.ReplyKey.Length}");
    }

    /// <summary>What ties a sealed reply to its request: version, kind and request id, inside the authenticated plaintext.</summary>
    private static WireWriter Binding(WireWriter writer, Request request) =>
        writer.Byte(Frame.Version).Byte((byte)FrameKind.SealedReply).Bytes(request.RequestId);
}
