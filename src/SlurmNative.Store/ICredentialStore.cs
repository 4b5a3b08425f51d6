using SlurmNative.Credentials.Protocol;

namespace SlurmNative.Store;

/// <summary>
/// What slurmnatived keeps its credentials in (SQLite or PostgreSQL); both keep the same promises,
/// which one set of contract tests holds them to. Tickets are sealed with the daemon's keyring
/// before they reach the database, so the database never sees a ticket or a key.
/// </summary>
public interface ICredentialStore : IDisposable
{
    /// <summary>What the log and --check call this store: its file, or its server and database (never a password).</summary>
    string Description { get; }

    /// <summary>Inserts or replaces the UID's credential as uploaded now; returns only once the write is durable.</summary>
    Task<StoredCredential> PutAsync(StoredCredential credential, CancellationToken cancel = default);

    Task<StoredCredential?> GetAsync(uint uid, CancellationToken cancel = default);

    Task<bool> RemoveAsync(uint uid, CancellationToken cancel = default);

    /// <summary>All summaries, or the one UID's when <paramref name="uid"/> is given.</summary>
    Task<IReadOnlyList<CredentialSummary>> ListAsync(uint? uid = null, CancellationToken cancel = default);

    /// <summary>
    /// Up to <paramref name="limit"/> credentials ending before <paramref name="endBefore"/>, in (End, Uid)
    /// order after <paramref name="after"/> (null: from the start), held for this daemon's renewer alone
    /// until the claim is disposed: another daemon sharing the store passes over them, and takes them
    /// up as soon as this daemon lets go or dies. Rows that cannot be decrypted are logged and left out.
    /// </summary>
    Task<RenewalClaim> ClaimDueAsync(DateTimeOffset endBefore, RenewalCursor? after, int limit, CancellationToken cancel = default);

    /// <summary>Writes <paramref name="renewed"/> only if the stored Version is still <paramref name="expectedVersion"/>.</summary>
    Task<bool> ReplaceIfUnchangedAsync(StoredCredential renewed, long expectedVersion, CancellationToken cancel = default);

    /// <summary>Removes the UID's credential only if it is still at <paramref name="expectedVersion"/>.</summary>
    Task<bool> RemoveIfUnchangedAsync(uint uid, long expectedVersion, CancellationToken cancel = default);

    /// <summary>Every credential's upload time and keep flag, without decrypting a ticket.</summary>
    Task<IReadOnlyList<UploadRecord>> ListUploadsAsync(CancellationToken cancel = default);

    /// <summary>Re-encrypts every record under the keyring's current first key; returns how many.</summary>
    Task<int> ReencryptAllAsync(CancellationToken cancel = default);

    Task<int> CountAsync(CancellationToken cancel = default);

    /// <summary>How many stored credentials each key id seals, for checking a daemon's keys against the store.</summary>
    Task<IReadOnlyDictionary<string, int>> KeyUsageAsync(CancellationToken cancel = default);
}
