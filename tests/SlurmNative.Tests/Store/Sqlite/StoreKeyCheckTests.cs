using System.Security.Cryptography;
using SlurmNative.Store.Keys;
using SlurmNative.Store;
using SlurmNative.Tests.TestSupport;
using SlurmNative.Store.Sqlite;

namespace SlurmNative.Tests.Store.Sqlite;

/// <summary>A daemon's keys against what its store holds, as checked before it serves anything.</summary>
public sealed class StoreKeyCheckTests : IDisposable
{
    private readonly TempDirectory dir = new();
    private readonly byte[] k1 = RandomNumberGenerator.GetBytes(32);
    private readonly byte[] k2 = RandomNumberGenerator.GetBytes(32);

    public void Dispose() => dir.Dispose();

    private SqliteCredentialStore Open(Keyring keys) => SqliteCredentialStore.Open(dir.File("credentials.db"), keys);

    private static StoredCredential Credential(uint uid) =>
        new(uid, $"user{uid}@EXAMPLE.ORG", DateTimeOffset.UnixEpoch, DateTimeOffset.UnixEpoch.AddHours(1), DateTimeOffset.UnixEpoch.AddDays(1), 0, [1, 2, 3]);

    [Fact]
    public async Task An_empty_store_or_one_sealed_with_the_first_key_passes()
    {
        var keys = Keyring.FromKeys([("k2", k2), ("k1", k1)]);
        using var store = Open(keys);
        Assert.Equal("no credentials stored yet", await CredentialStores.CheckKeysAsync(store, keys));
        await store.PutAsync(Credential(1));
        Assert.Equal("1 credentials, sealed with 'k2' (1)", await CredentialStores.CheckKeysAsync(store, keys));
    }

    [Fact]
    public async Task Credentials_under_a_key_the_daemon_lacks_stop_it_and_say_which()
    {
        using (var writer = Open(Keyring.FromKeys([("k2", k2), ("k1", k1)])))
            await writer.PutAsync(Credential(1));
        var older = Keyring.FromKeys([("k1", k1)]);
        using var store = Open(older);

        var e = await Assert.ThrowsAsync<CredentialStoreException>(() => CredentialStores.CheckKeysAsync(store, older));

        Assert.Contains("sealed with key 'k2' (1), which the key file does not hold", e.Message);
        Assert.Contains("every daemon sharing a store needs the same key file", e.Message);
    }

    [Fact]
    public async Task A_first_key_the_store_does_not_use_stops_the_daemon_and_names_rotate_key()
    {
        using (var writer = Open(Keyring.FromKeys([("k1", k1)])))
            await writer.PutAsync(Credential(1));
        var other = Keyring.FromKeys([("k2", k2), ("k1", k1)]);
        using var store = Open(other);

        var e = await Assert.ThrowsAsync<CredentialStoreException>(() => CredentialStores.CheckKeysAsync(store, other));

        Assert.Contains("this daemon's first key is 'k2', but the credentials in SQLite database", e.Message);
        Assert.Contains("are sealed with 'k1' (1)", e.Message);
        Assert.Contains("slurmnative rotate-key", e.Message);
    }
}
