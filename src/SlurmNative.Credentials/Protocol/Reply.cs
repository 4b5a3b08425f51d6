using System.Security.Cryptography;

namespace SlurmNative.Credentials.Protocol;

/// <summary>The daemon's answer: a status, a human-readable message, and a body whose meaning depends on the operation.</summary>
public sealed record Reply(ReplyStatus Status, string Message, byte[] Body)
{
    private const int NonceBytes = 12;
    private const int TagBytes = 16;

    public static Reply Ok(byte[]? body = null) => new(ReplyStatus.Ok, "", body ?? []);

    public static Reply Error(ReplyStatus status, string message) => new(status, message, []);

    /// <summary>Encrypts under the request's reply key, bound to the request id so it answers that request only.</summary>
    public byte[] Seal(Request request)
    {
        byte[] plaintext = new WireWriter().Byte((byte)Status).String16(Message).Blob32(Body).ToArray();
        var sealedBody = new byte[NonceBytes + plaintext.Length + TagBytes];
        Span<byte> nonce = sealedBody.AsSpan(0, NonceBytes);
        RandomNumberGenerator.Fill(nonce);
        using var aes = new AesGcm(request.ReplyKey, TagBytes);
        aes.Encrypt(nonce, plaintext, sealedBody.AsSpan(NonceBytes, plaintext.Length), sealedBody.AsSpan(NonceBytes + plaintext.Length), AssociatedData(request));
        CryptographicOperations.ZeroMemory(plaintext);
        return Frame.Encode(FrameKind.SealedReply, sealedBody);
    }

    public static Reply Open(Request request, ReadOnlySpan<byte> sealedBody)
    {
        if (sealedBody.Length < NonceBytes + TagBytes)
            throw new ProtocolException(ReplyStatus.BadRequest, "sealed reply is truncated");
        int length = sealedBody.Length - NonceBytes - TagBytes;
        var plaintext = new byte[length];
        using var aes = new AesGcm(request.ReplyKey, TagBytes);
        try
        {
            aes.Decrypt(sealedBody[..NonceBytes], sealedBody.Slice(NonceBytes, length), sealedBody[(NonceBytes + length)..], plaintext, AssociatedData(request));
        }
        catch (AuthenticationTagMismatchException)
        {
            throw new ProtocolException(ReplyStatus.Unauthenticated, "the reply does not answer this request (wrong key or tampered)");
        }
        var reader = new WireReader(plaintext);
        var reply = new Reply((ReplyStatus)reader.Byte(), reader.String16(), reader.Blob32());
        reader.EnsureEnd();
        return reply;
    }

    /// <summary>For requests that could not be authenticated: status and message only, never data.</summary>
    public byte[] EncodePlain() =>
        Frame.Encode(FrameKind.PlainReply, new WireWriter().Byte((byte)Status).String16(Message).ToArray());

    public static Reply DecodePlain(ReadOnlySpan<byte> body)
    {
        var reader = new WireReader(body);
        var reply = new Reply((ReplyStatus)reader.Byte(), reader.String16(), []);
        reader.EnsureEnd();
        if (reply.Status == ReplyStatus.Ok)
            throw new ProtocolException(ReplyStatus.Unauthenticated, "an unauthenticated reply claimed success; ignoring it");
        return reply;
    }

    private static byte[] AssociatedData(Request request) =>
        new WireWriter().Byte(Frame.Version).Byte((byte)FrameKind.SealedReply).Bytes(request.RequestId).ToArray();
}
