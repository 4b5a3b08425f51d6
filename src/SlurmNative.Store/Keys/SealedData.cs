namespace SlurmNative.Store.Keys;

/// <summary>
/// One AES-256-GCM encryption: which key, the nonce, and ciphertext with the 16-byte tag
/// appended. Carries no plaintext, but ToString still prints only the key id so a stray
/// log line cannot grow into a dump of stored blobs.
/// </summary>
public sealed record SealedData(string KeyId, byte[] Nonce, byte[] CiphertextAndTag)
{
    public override string ToString() => $"sealed data under key {KeyId} ({CiphertextAndTag.Length} bytes)";
}
