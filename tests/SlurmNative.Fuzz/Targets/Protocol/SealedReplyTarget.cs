using CsCheck;
using SlurmNative.Credentials.Protocol;
using SlurmNative.Fuzz.Engine;

namespace SlurmNative.Fuzz.Targets.Protocol;

/// <summary>
/// A sealed reply as a client opens it: decrypted under its request's reply key, then the
/// binding (version, kind, request id), status, message and body parsed. Structured inputs
/// are sealed with the real key around plaintexts with a field changed, so the parser behind
/// the decryption is reached; a reply opens only if it was sealed for this request with its key.
/// </summary>
internal sealed class SealedReplyTarget() : FuzzTarget(
    "sealed-reply",
    "Reply.Open: decryption with the request's reply key, then the sealed plaintext",
    typeof(ProtocolException),
    new MemoryBound(16, Why: "decoding invalid UTF-8, .NET allocates about 15 bytes per byte"))
{
    private static readonly Request Asked = new(Operation.Get, Enumerable.Range(1, Request.IdBytes).Select(i => (byte)i).ToArray(),
        Enumerable.Range(100, Request.KeyBytes).Select(i => (byte)i).ToArray(), null, []);

    private const int Enctype = Interop.Krb5.ENCTYPE_AES256_CTS_HMAC_SHA384_192;

    public override Gen<byte[]> Structured { get; } = Gen.Select(Plaintext, Gen.Int[0, 9]).Select((plaintext, twist) =>
        Interop.Krb5.Encrypt(Enctype, twist == 0 ? [.. Asked.ReplyKey.Reverse()] : Asked.ReplyKey, twist == 1 ? Reply.SealKeyUsage + 1 : Reply.SealKeyUsage, plaintext));

    /// <summary>A reply that opens must decrypt under the request's key and usage, and name this request.</summary>
    public override Outcome Run(byte[] input)
    {
        Reply.Open(Asked, input);
        if (!Interop.Krb5.TryDecrypt(Enctype, Asked.ReplyKey, Reply.SealKeyUsage, input, out byte[] plaintext)
            || plaintext.Length < 2 + Request.IdBytes || plaintext[0] != Frame.Version || plaintext[1] != (byte)FrameKind.SealedReply
            || !plaintext.AsSpan(2, Request.IdBytes).SequenceEqual(Asked.RequestId))
            throw new PropertyViolation("a reply opened that was not sealed for this request with its key");
        return Outcome.Accepted;
    }

    /// <summary>Version, kind, request id, status, message, body: each sometimes wrong.</summary>
    private static readonly Gen<byte[]> Plaintext =
        Gen.Select(Gen.Int[0, 14], Gen.Byte, Gens.Utf8Text, Gens.Bytes(0, 200), Gen.Frequency((10, Gen.Const(Array.Empty<byte>())), (1, Gens.Bytes(1, 4))))
            .SelectMany(t => Gen.Select(Gens.Length(t.Item3.Length), Gens.Length(t.Item4.Length)).Select(lengths => (t, lengths)))
            .Select(x =>
            {
                var ((twist, status, message, body, trailing), (messageLength, bodyLength)) = x;
                byte[] id = (byte[])Asked.RequestId.Clone();
                if (twist == 0)
                    id[status % id.Length] ^= 1;
                return new WireWriter()
                    .Byte(twist == 1 ? status : Frame.Version)
                    .Byte(twist == 2 ? status : (byte)FrameKind.SealedReply)
                    .Bytes(twist == 3 ? id.AsSpan(1) : id)
                    .Byte(status)
                    .UInt16((ushort)messageLength).Bytes(message)
                    .UInt32(bodyLength).Bytes(body)
                    .Bytes(trailing)
                    .ToArray();
            });
}
