using System.Buffers.Binary;
using System.Text;
using CsCheck;
using SlurmNative.Store.Keys;
using SlurmNative.Fuzz.Engine;
using SlurmNative.Store.Sealing;

namespace SlurmNative.Fuzz.Targets.Store;

/// <summary>
/// A stored record's AES-256-GCM envelope as the daemon opens it: key id, nonce, ciphertext
/// and tag, bound to the row's uid and principal. Input: key id, nonce, uid, principal (each
/// length-prefixed), then ciphertext and tag. What opens must be what AES-256-GCM makes, with
/// the key the id names, for that very row.
/// </summary>
internal sealed class SealedRecordTarget() : FuzzTarget(
    "sealed-record",
    "Keyring.Decrypt: the AES-256-GCM envelope of a stored credential",
    typeof(KeyringException),
    new MemoryBound(16, Why: "decoding invalid UTF-8, .NET allocates about 15 bytes per byte"))
{
    private static readonly Dictionary<string, byte[]> KeyBytes = new(StringComparer.Ordinal)
    {
        ["k-new"] = Enumerable.Range(0, Keyring.KeySize).Select(i => (byte)i).ToArray(),
        ["k-old"] = Enumerable.Range(0, Keyring.KeySize).Select(i => (byte)(i * 7)).ToArray(),
    };

    private static readonly Keyring Keys = Keyring.FromKeys([("k-new", KeyBytes["k-new"]), ("k-old", KeyBytes["k-old"])]);

    public override Gen<byte[]> Structured { get; } = Gen.Select(Gen.UInt[1000, 1003], Gen.OneOf("alice@FUZZ.TEST", "bob@FUZZ.TEST", ""), Gens.Bytes(0, 300), Gen.Int[0, 9], Gen.Byte)
            .Select((uid, principal, ticket, twist, other) =>
            {
                SealedData sealedData = Keys.Encrypt(ticket, CredentialSealing.AssociatedData(uid, principal));
                return twist switch
                {
                    0 => Record("k-old", sealedData.Nonce, uid, principal, sealedData.CiphertextAndTag),
                    1 => Record("k-gone", sealedData.Nonce, uid, principal, sealedData.CiphertextAndTag),
                    2 => Record(sealedData.KeyId, sealedData.Nonce.AsSpan(0, other % 13).ToArray(), uid, principal, sealedData.CiphertextAndTag),
                    3 => Record(sealedData.KeyId, sealedData.Nonce, uid + 1, principal, sealedData.CiphertextAndTag),
                    4 => Record(sealedData.KeyId, sealedData.Nonce, uid, principal, sealedData.CiphertextAndTag.AsSpan(0, Math.Min(other % 20, sealedData.CiphertextAndTag.Length)).ToArray()),
                    _ => Record(sealedData.KeyId, sealedData.Nonce, uid, principal, sealedData.CiphertextAndTag),
                };
            });

    public override Outcome Run(byte[] input)
    {
        ReadOnlySpan<byte> rest = input;
        string keyId = Encoding.UTF8.GetString(Take(ref rest, Take(ref rest, 1) is [var n] ? n : 0));
        byte[] nonce = Take(ref rest, Take(ref rest, 1) is [var m] ? m : 0).ToArray();
        uint uid = rest.Length >= 4 ? BinaryPrimitives.ReadUInt32BigEndian(Take(ref rest, 4)) : 0;
        string principal = Encoding.UTF8.GetString(Take(ref rest, Take(ref rest, 1) is [var p] ? p : 0));
        byte[] sealedBytes = rest.ToArray();
        byte[] associated = CredentialSealing.AssociatedData(uid, principal);
        byte[] ticket = Keys.Decrypt(new SealedData(keyId, nonce, sealedBytes), associated);
        CheckSealedWithNamedKey(keyId, nonce, associated, ticket, sealedBytes);
        return Outcome.Accepted;
    }

    /// <summary>An opened record must be exactly what AES-256-GCM makes with the key its id names, for this row.</summary>
    private static void CheckSealedWithNamedKey(string keyId, byte[] nonce, byte[] associated, byte[] ticket, byte[] sealedBytes)
    {
        if (!KeyBytes.TryGetValue(keyId, out byte[]? key) || nonce.Length != Keyring.NonceSize || sealedBytes.Length != ticket.Length + Keyring.TagSize)
            throw new PropertyViolation("a record opened under a key id, nonce or length the keyring does not have");
        byte[] expected = new byte[sealedBytes.Length];
        using (var aes = new System.Security.Cryptography.AesGcm(key, Keyring.TagSize))
            aes.Encrypt(nonce, ticket, expected.AsSpan(0, ticket.Length), expected.AsSpan(ticket.Length), associated);
        if (!expected.AsSpan().SequenceEqual(sealedBytes))
            throw new PropertyViolation("a record opened that its key did not seal for that row");
    }

    private static ReadOnlySpan<byte> Take(ref ReadOnlySpan<byte> rest, int count)
    {
        ReadOnlySpan<byte> taken = rest[..Math.Min(count, rest.Length)];
        rest = rest[taken.Length..];
        return taken;
    }

    private static byte[] Record(string keyId, byte[] nonce, uint uid, string principal, byte[] ciphertext)
    {
        byte[] id = Encoding.UTF8.GetBytes(keyId), name = Encoding.UTF8.GetBytes(principal);
        var uidBytes = new byte[4];
        BinaryPrimitives.WriteUInt32BigEndian(uidBytes, uid);
        return [(byte)id.Length, .. id, (byte)nonce.Length, .. nonce, .. uidBytes, (byte)name.Length, .. name, .. ciphertext];
    }
}
