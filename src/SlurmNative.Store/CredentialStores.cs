using SlurmNative.Credentials.Configuration;
using SlurmNative.Store.Keys;
using SlurmNative.Store.Sqlite;
using SlurmNative.Store.Postgres;

namespace SlurmNative.Store;

/// <summary>Opens the store slurmnative.conf names; the one place that knows which kinds exist.</summary>
public static class CredentialStores
{
    /// <exception cref="CredentialStoreException">the store cannot be used as configured; the message says why and what to fix.</exception>
    /// <exception cref="StoreUnavailableException">the database cannot be reached.</exception>
    public static ICredentialStore Open(SlurmNativeConfig config, Func<Keyring> keyring, IStoreLog? log = null)
    {
        ArgumentNullException.ThrowIfNull(config);
        switch (config.Store.Kind)
        {
            case StoreKind.PostgreSql:
                return PostgresCredentialStore.Open(config.Store.Target, config.StorePasswordFile, keyring, log);
            default:
                if (config.StorePasswordFile is not null)
                    log?.Warning($"store_password_file is set but the store is SQLite ({config.Store.Target}); it is ignored");
                Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(config.Store.Target))!);
                return SqliteCredentialStore.Open(config.Store.Target, keyring, log);
        }
    }

    /// <summary>
    /// Checks the daemon's keys against what the store holds, before the daemon serves anything:
    /// every key that seals a stored credential must be in the keyring (or this daemon could not
    /// read them), and the first key must be one the credentials use (or this daemon would seal
    /// uploads that the other daemons sharing the store cannot read). Returns a summary for the log.
    /// </summary>
    /// <exception cref="CredentialStoreException">the keys do not match the store; the message says how.</exception>
    public static async Task<string> CheckKeysAsync(ICredentialStore store, Keyring keys, CancellationToken cancel = default)
    {
        ArgumentNullException.ThrowIfNull(store);
        ArgumentNullException.ThrowIfNull(keys);
        IReadOnlyDictionary<string, int> usage = await store.KeyUsageAsync(cancel).ConfigureAwait(false);
        string Listed(IEnumerable<string> ids) => string.Join(", ", ids.Order(StringComparer.Ordinal).Select(id => $"'{id}' ({usage[id]})"));
        string keyFile = keys.SourcePath ?? "the key file";
        var missing = usage.Keys.Where(id => !keys.Contains(id)).ToList();
        if (missing.Count > 0)
        {
            throw new CredentialStoreException(
                $"credentials in {store.Description} are sealed with key {Listed(missing)}, which {keyFile} does not hold, so this daemon could not read them: " +
                "every daemon sharing a store needs the same key file; copy it from the daemon that has that key");
        }
        if (usage.Count > 0 && !usage.ContainsKey(keys.PrimaryKeyId))
        {
            throw new CredentialStoreException(
                $"this daemon's first key is '{keys.PrimaryKeyId}', but the credentials in {store.Description} are sealed with {Listed(usage.Keys)}: " +
                $"every daemon sharing a store needs the same key file (copy it from the others); to start sealing with a new key, run 'slurmnative rotate-key', which re-encrypts what is stored, then copy {keyFile} to every daemon");
        }
        int total = usage.Values.Sum();
        return total == 0 ? "no credentials stored yet" : $"{total} credentials, sealed with {Listed(usage.Keys)}";
    }
}
