using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;
using SlurmNative.Store.Keys;

namespace SlurmNative.Store.Sealing;

/// <summary>
/// How every store seals a ticket before it reaches the database and opens it after: AES-256-GCM
/// under the keyring's first key, bound to its row by associated data, so the database holds no
/// ticket and no key, and a blob moved to another row does not open.
/// </summary>
internal static class CredentialSealing
{
    public static SealedData Seal(StoredCredential credential, Keyring keys) =>
        keys.Encrypt(credential.Ticket, AssociatedData(credential.Uid, credential.Principal));

    /// <exception cref="CredentialStoreException">the row does not open with any key of <paramref name="keys"/>.</exception>
    public static StoredCredential Unseal(SealedRow row, Keyring keys)
    {
        byte[] ticket;
        try
        {
            ticket = keys.Decrypt(row.Sealed, AssociatedData(row.Uid, row.Principal));
        }
        catch (KeyringException e)
        {
            throw new CredentialStoreException($"stored credential of uid {row.Uid} cannot be decrypted: {e.Message}", e);
        }
        return new StoredCredential(row.Uid, row.Principal, FromUnix(row.Start), FromUnix(row.End), FromUnix(row.RenewTill), row.Flags, ticket, row.Version)
        {
            Keep = row.Keep,
            Uploaded = FromUnix(row.Uploaded),
        };
    }

    /// <summary>Opens the rows the renewer may work on; one that does not open is logged and left for its owner's next upload.</summary>
    public static List<StoredCredential> UnsealForRenewal(IEnumerable<SealedRow> rows, Keyring keys, IStoreLog? log)
    {
        var result = new List<StoredCredential>();
        foreach (SealedRow row in rows)
        {
            try
            {
                result.Add(Unseal(row, keys));
            }
            catch (CredentialStoreException e)
            {
                log?.Warning($"not renewing: {e.Message}");
            }
        }
        return result;
    }

    /// <summary>
    /// Associated data binding a sealed ticket to its row: decrypting with another row's
    /// uid or principal fails, so blobs cannot be swapped between users in the database.
    /// </summary>
    internal static byte[] AssociatedData(uint uid, string principal)
    {
        byte[] label = "slurmnative-credential-v1\0"u8.ToArray();
        int principalBytes = Encoding.UTF8.GetByteCount(principal);
        byte[] data = new byte[label.Length + 4 + principalBytes];
        label.CopyTo(data, 0);
        BinaryPrimitives.WriteUInt32BigEndian(data.AsSpan(label.Length), uid);
        Encoding.UTF8.GetBytes(principal, data.AsSpan(label.Length + 4));
        return data;
    }

    public static long ToUnix(DateTimeOffset time) => time.ToUnixTimeSeconds();

    public static DateTimeOffset FromUnix(long seconds) => DateTimeOffset.FromUnixTimeSeconds(seconds);

    /// <summary>What every store does before a write: check the credential, seal it under the first key, and take the write's time.</summary>
    public static (SealedData Sealed, long Updated) SealForWrite(StoredCredential credential, Keyring keys, TimeProvider time, CancellationToken cancel)
    {
        Validate(credential);
        cancel.ThrowIfCancellationRequested();
        return (Seal(credential, keys), time.GetUtcNow().ToUnixTimeSeconds());
    }

    public static void Validate(StoredCredential credential)
    {
        ArgumentNullException.ThrowIfNull(credential);
        ArgumentNullException.ThrowIfNull(credential.Ticket, nameof(credential));
        ArgumentException.ThrowIfNullOrEmpty(credential.Principal, nameof(credential));
    }

    /// <summary>
    /// Moves every record not yet under the first key onto it, a batch at a time, the same way in
    /// every store: read a batch past the last uid seen, open and reseal it here, and write each
    /// row back only if it is still the version and key that was read. Keeps each record's Version:
    /// the credential did not change, so an in-flight renewal of it is still valid, and a record
    /// rewritten meanwhile (already under the new key) is left alone.
    /// </summary>
    /// <param name="readBatch">rows not under the given key with uid above the given one, by uid, at most the given count.</param>
    /// <param name="writeBatch">writes the resealed rows; returns how many were still as read.</param>
    public static async Task<int> ReencryptAllAsync(
        Keyring keys,
        int batchSize,
        Func<string, long, int, CancellationToken, Task<IReadOnlyList<SealedRow>>> readBatch,
        Func<IReadOnlyList<ResealedRow>, CancellationToken, Task<int>> writeBatch,
        CancellationToken cancel)
    {
        string primary = keys.PrimaryKeyId;
        int rewritten = 0, failures = 0;
        var failed = new List<string>();
        long after = -1;
        while (true)
        {
            cancel.ThrowIfCancellationRequested();
            IReadOnlyList<SealedRow> rows = await readBatch(primary, after, batchSize, cancel).ConfigureAwait(false);
            var batch = new List<ResealedRow>(rows.Count);
            foreach (SealedRow row in rows)
            {
                after = row.Uid;
                StoredCredential plain;
                try
                {
                    plain = Unseal(row, keys);
                }
                catch (CredentialStoreException e)
                {
                    failures++;
                    if (failed.Count < 10)
                        failed.Add(e.Message);
                    continue;
                }
                SealedData resealed = Seal(plain, keys);
                CryptographicOperations.ZeroMemory(plain.Ticket);
                batch.Add(new ResealedRow(row.Uid, row.Version, row.Sealed.KeyId, resealed));
            }
            if (batch.Count > 0)
                rewritten += await writeBatch(batch, cancel).ConfigureAwait(false);
            if (rows.Count < batchSize)
                break;
        }
        if (failures > 0)
            throw new CredentialStoreException($"re-encrypted {rewritten} credentials, but {failures} could not be decrypted and still use their old keys: {string.Join("; ", failed)}");
        return rewritten;
    }
}
