using System.Diagnostics;
using System.Security.Cryptography;
using Microsoft.Data.Sqlite;
using SlurmNative.Daemon.Crypto;
using SlurmNative.Daemon.Store;
using SlurmNative.Tests.Crypto;
using Xunit.Abstractions;

namespace SlurmNative.Tests.Store;

public sealed class SqliteCredentialStoreTests(ITestOutputHelper output) : IDisposable
{
    private readonly TempDirectory dir = new();
    private static readonly DateTimeOffset T0 = DateTimeOffset.FromUnixTimeSeconds(1_750_000_000);

    public void Dispose() => dir.Dispose();

    private string DbPath => dir.File("credentials.db");

    private static Keyring NewKeyring(string id = "k1") => Keyring.FromKeys([(id, RandomNumberGenerator.GetBytes(32))]);

    private static StoredCredential Credential(uint uid, int endHours = 10, string? principal = null, byte fill = 0xAB) =>
        new(uid, principal ?? $"user{uid}@EXAMPLE.ORG", T0, T0.AddHours(endHours), T0.AddDays(7), 0x40e00000, Enumerable.Repeat(fill, 300).ToArray());

    private SqliteCredentialStore Open(Keyring keyring) => SqliteCredentialStore.Open(DbPath, keyring);

    private static void AssertSame(StoredCredential expected, StoredCredential? actual)
    {
        Assert.NotNull(actual);
        Assert.Equal(expected.Uid, actual.Uid);
        Assert.Equal(expected.Principal, actual.Principal);
        Assert.Equal(expected.Start, actual.Start);
        Assert.Equal(expected.End, actual.End);
        Assert.Equal(expected.RenewTill, actual.RenewTill);
        Assert.Equal(expected.Flags, actual.Flags);
        Assert.Equal(expected.Ticket, actual.Ticket);
    }

    /// <summary>Runs SQL against the file behind the store's back, as an attacker with the file would.</summary>
    private void Raw(string sql)
    {
        using var connection = new SqliteConnection($"Data Source={DbPath};Pooling=False");
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        command.ExecuteNonQuery();
    }

    [Fact]
    public async Task Put_get_list_remove_round_trip()
    {
        using var store = Open(NewKeyring());
        Assert.Null(await store.GetAsync(1000));
        StoredCredential a = Credential(1000), b = Credential(1001, endHours: 5);
        StoredCredential storedA = await store.PutAsync(a);
        StoredCredential storedB = await store.PutAsync(b);
        Assert.True(storedA.Version > 0);
        Assert.True(storedB.Version > storedA.Version);

        StoredCredential? got = await store.GetAsync(1000);
        AssertSame(a, got);
        Assert.Equal(storedA.Version, got!.Version);

        var all = await store.ListAsync();
        Assert.Equal([a.Summary, b.Summary], all);
        Assert.Equal([b.Summary], await store.ListAsync(1001));
        Assert.Empty(await store.ListAsync(42));
        Assert.Equal(2, await store.CountAsync());

        Assert.True(await store.RemoveAsync(1000));
        Assert.False(await store.RemoveAsync(1000));
        Assert.Null(await store.GetAsync(1000));
        Assert.Equal(1, await store.CountAsync());
    }

    [Fact]
    public async Task Put_replaces_and_bumps_version()
    {
        using var store = Open(NewKeyring());
        StoredCredential first = await store.PutAsync(Credential(7));
        StoredCredential second = await store.PutAsync(Credential(7, endHours: 20, fill: 1));
        Assert.True(second.Version > first.Version);
        AssertSame(Credential(7, endHours: 20, fill: 1), await store.GetAsync(7));
        Assert.Equal(1, await store.CountAsync());
    }

    [Fact]
    public async Task Versions_never_repeat_after_remove_and_reopen()
    {
        long removedVersion;
        using (var store = Open(NewKeyring()))
        {
            removedVersion = (await store.PutAsync(Credential(7))).Version;
            Assert.True(await store.RemoveAsync(7));
        }
        var keyring = NewKeyring();
        using (var store = Open(keyring))
        {
            StoredCredential again = await store.PutAsync(Credential(7));
            Assert.True(again.Version > removedVersion);
            // A renewal that started before the remove must not overwrite the new upload.
            Assert.False(await store.ReplaceIfUnchangedAsync(Credential(7, fill: 9), removedVersion));
        }
    }

    [Fact]
    public async Task Replace_if_unchanged_fails_after_a_concurrent_put()
    {
        using var store = Open(NewKeyring());
        StoredCredential original = await store.PutAsync(Credential(5));
        StoredCredential upload = await store.PutAsync(Credential(5, fill: 2));

        Assert.False(await store.ReplaceIfUnchangedAsync(Credential(5, endHours: 30, fill: 3), original.Version));
        AssertSame(Credential(5, fill: 2), await store.GetAsync(5));

        Assert.True(await store.ReplaceIfUnchangedAsync(Credential(5, endHours: 30, fill: 3), upload.Version));
        StoredCredential? renewed = await store.GetAsync(5);
        AssertSame(Credential(5, endHours: 30, fill: 3), renewed);
        Assert.True(renewed!.Version > upload.Version);

        Assert.False(await store.ReplaceIfUnchangedAsync(Credential(6), 0));
        Assert.Null(await store.GetAsync(6));
    }

    [Fact]
    public async Task Remove_if_unchanged_respects_version()
    {
        using var store = Open(NewKeyring());
        StoredCredential first = await store.PutAsync(Credential(5));
        StoredCredential second = await store.PutAsync(Credential(5));
        Assert.False(await store.RemoveIfUnchangedAsync(5, first.Version));
        Assert.NotNull(await store.GetAsync(5));
        Assert.True(await store.RemoveIfUnchangedAsync(5, second.Version));
        Assert.Null(await store.GetAsync(5));
    }

    [Fact]
    public async Task Due_for_renewal_is_soonest_first_limited_and_filtered()
    {
        using var store = Open(NewKeyring());
        int[] hours = [9, 3, 12, 1, 5, 3];
        for (int i = 0; i < hours.Length; i++)
            await store.PutAsync(Credential((uint)(100 + i), endHours: hours[i]));

        var due = await store.DueForRenewalAsync(T0.AddHours(6), 10);
        Assert.Equal([103u, 101u, 105u, 104u], due.Select(c => c.Uid));
        AssertSame(Credential(103, endHours: 1), due[0]);

        var limited = await store.DueForRenewalAsync(T0.AddHours(6), 2);
        Assert.Equal([103u, 101u], limited.Select(c => c.Uid));
        Assert.Empty(await store.DueForRenewalAsync(T0.AddHours(6), 0));
        Assert.Empty(await store.DueForRenewalAsync(T0, 10));
    }

    [Fact]
    public async Task Due_for_renewal_uses_the_end_index()
    {
        using (var store = Open(NewKeyring()))
            await store.PutAsync(Credential(1));
        using var connection = new SqliteConnection($"Data Source={DbPath};Pooling=False");
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = "EXPLAIN QUERY PLAN SELECT uid FROM credentials WHERE \"end\" < 5 ORDER BY \"end\", uid;";
        using var reader = command.ExecuteReader();
        var plan = new List<string>();
        while (reader.Read())
            plan.Add(reader.GetString(3));
        Assert.Contains(plan, line => line.Contains("credentials_end", StringComparison.Ordinal));
        Assert.DoesNotContain(plan, line => line.Contains("TEMP B-TREE", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Undecryptable_rows_are_skipped_by_renewal_but_fail_get()
    {
        var keyring = NewKeyring();
        using (var store = Open(keyring))
        {
            await store.PutAsync(Credential(1, endHours: 1));
            await store.PutAsync(Credential(2, endHours: 2));
        }
        Raw("UPDATE credentials SET key_id = 'gone' WHERE uid = 1;");
        var log = new ListLog();
        using (var store = SqliteCredentialStore.Open(DbPath, keyring, log))
        {
            var due = await store.DueForRenewalAsync(T0.AddDays(1), 1);
            Assert.Equal([2u], due.Select(c => c.Uid));
            Assert.Contains(log.Lines, line => line.Contains("uid 1", StringComparison.Ordinal) && line.Contains("'gone'", StringComparison.Ordinal));
            var e = await Assert.ThrowsAsync<CredentialStoreException>(() => store.GetAsync(1));
            Assert.Contains("uid 1", e.Message, StringComparison.Ordinal);
            Assert.Contains("'gone'", e.Message, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task Swapping_blobs_between_rows_is_detected()
    {
        using var store = Open(NewKeyring());
        await store.PutAsync(Credential(1, fill: 1));
        await store.PutAsync(Credential(2, fill: 2));
        Raw("""
            UPDATE credentials SET ciphertext = (SELECT ciphertext FROM credentials WHERE uid = 2),
                                   nonce = (SELECT nonce FROM credentials WHERE uid = 2) WHERE uid = 1;
            """);
        var e = await Assert.ThrowsAsync<CredentialStoreException>(() => store.GetAsync(1));
        Assert.Contains("failed authentication", e.Message, StringComparison.Ordinal);
        AssertSame(Credential(2, fill: 2), await store.GetAsync(2));
    }

    [Fact]
    public async Task Changing_the_principal_of_a_row_is_detected()
    {
        using var store = Open(NewKeyring());
        await store.PutAsync(Credential(1));
        Raw("UPDATE credentials SET principal = 'root@EXAMPLE.ORG' WHERE uid = 1;");
        await Assert.ThrowsAsync<CredentialStoreException>(() => store.GetAsync(1));
        Raw("UPDATE credentials SET principal = 'user1@EXAMPLE.ORG', uid = 99 WHERE uid = 1;");
        await Assert.ThrowsAsync<CredentialStoreException>(() => store.GetAsync(99));
    }

    [Fact]
    public async Task Flipped_ciphertext_bit_is_detected()
    {
        using var store = Open(NewKeyring());
        await store.PutAsync(Credential(1));
        Raw("UPDATE credentials SET ciphertext = CAST(zeroblob(316) AS BLOB) WHERE uid = 1;");
        await Assert.ThrowsAsync<CredentialStoreException>(() => store.GetAsync(1));
    }

    [Fact]
    public async Task Tickets_are_not_stored_in_clear()
    {
        using (var store = Open(NewKeyring()))
            await store.PutAsync(Credential(1, fill: 0x5A));
        byte[] needle = Enumerable.Repeat((byte)0x5A, 32).ToArray();
        foreach (string file in Directory.GetFiles(dir.Path))
            Assert.Equal(-1, File.ReadAllBytes(file).AsSpan().IndexOf(needle));
    }

    [Fact]
    public async Task Rotation_old_records_read_reencrypt_moves_them_then_old_key_can_go()
    {
        using var keyDir = new TempDirectory();
        string keyFile = keyDir.File("keys");
        string oldId = Keyring.Generate(keyFile, force: false);
        Keyring current = Keyring.Load(keyFile);
        using var store = SqliteCredentialStore.Open(DbPath, () => current);
        await Task.WhenAll(Enumerable.Range(1, 600).Select(uid => store.PutAsync(Credential((uint)uid, fill: (byte)uid))));

        string newId = Keyring.AddNewFirstKey(keyFile);
        current = Keyring.Load(keyFile);
        Assert.Equal(newId, current.PrimaryKeyId);
        AssertSame(Credential(5, fill: 5), await store.GetAsync(5));
        StoredCredential fresh = await store.PutAsync(Credential(601, fill: 1));
        Assert.Equal(newId, KeyIdOf(601));
        StoredCredential before = (await store.GetAsync(10))!;

        Assert.Equal(600, await store.ReencryptAllAsync());
        Assert.Equal(0, await store.ReencryptAllAsync());
        Assert.All(Enumerable.Range(1, 601), uid => Assert.Equal(newId, KeyIdOf((uint)uid)));
        // Same credential, so a renewal already in flight stays valid.
        Assert.Equal(before.Version, (await store.GetAsync(10))!.Version);

        // Drop the old key from the file.
        string[] lines = File.ReadAllLines(keyFile).Where(l => !l.StartsWith(oldId, StringComparison.Ordinal)).ToArray();
        File.WriteAllLines(keyFile, lines);
        current = Keyring.Load(keyFile);
        Assert.Equal([newId], current.KeyIds);
        for (uint uid = 1; uid <= 600; uid += 37)
            AssertSame(Credential(uid, fill: (byte)uid), await store.GetAsync(uid));
        Assert.Equal(fresh.Version, (await store.GetAsync(601))!.Version);
    }

    [Fact]
    public async Task Reencrypt_reports_rows_it_cannot_decrypt_and_still_moves_the_rest()
    {
        byte[] oldKey = RandomNumberGenerator.GetBytes(32);
        var old = Keyring.FromKeys([("old", oldKey)]);
        using (var store = Open(old))
        {
            await store.PutAsync(Credential(1));
            await store.PutAsync(Credential(2));
        }
        Raw("UPDATE credentials SET key_id = 'lost' WHERE uid = 1;");
        var rotated = Keyring.FromKeys([("new", RandomNumberGenerator.GetBytes(32)), ("old", oldKey)]);
        using (var store = Open(rotated))
        {
            var e = await Assert.ThrowsAsync<CredentialStoreException>(() => store.ReencryptAllAsync());
            Assert.Contains("re-encrypted 1", e.Message, StringComparison.Ordinal);
            Assert.Contains("uid 1", e.Message, StringComparison.Ordinal);
        }
        Assert.Equal("new", KeyIdOf(2));
        Assert.Equal("lost", KeyIdOf(1));
    }

    private string KeyIdOf(uint uid)
    {
        using var connection = new SqliteConnection($"Data Source={DbPath};Pooling=False;Mode=ReadOnly");
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = $"SELECT key_id FROM credentials WHERE uid = {uid};";
        return (string)command.ExecuteScalar()!;
    }

    [Fact]
    public async Task Persists_across_reopen()
    {
        var keyring = NewKeyring();
        StoredCredential stored;
        using (var store = Open(keyring))
            stored = await store.PutAsync(Credential(77));
        using (var store = Open(keyring))
        {
            StoredCredential? got = await store.GetAsync(77);
            AssertSame(Credential(77), got);
            Assert.Equal(stored.Version, got!.Version);
        }
    }

    [Fact]
    public async Task Database_files_are_private_and_settings_durable()
    {
        using var store = Open(NewKeyring());
        await store.PutAsync(Credential(1));
        foreach (string file in Directory.GetFiles(dir.Path))
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(file));
        using var connection = new SqliteConnection($"Data Source={DbPath};Pooling=False");
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = "PRAGMA journal_mode;";
        Assert.Equal("wal", command.ExecuteScalar());
    }

    [Fact]
    public void Refuses_a_database_others_can_read()
    {
        File.WriteAllBytes(DbPath, []);
        File.SetUnixFileMode(DbPath, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead);
        var e = Assert.Throws<CredentialStoreException>(() => Open(NewKeyring()));
        Assert.Contains($"chmod 600 {DbPath}", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Refuses_a_symlinked_database()
    {
        string real = dir.File("real.db");
        File.CreateSymbolicLink(DbPath, real);
        var e = Assert.Throws<CredentialStoreException>(() => Open(NewKeyring()));
        Assert.Contains("symbolic link", e.Message, StringComparison.Ordinal);
        Assert.False(File.Exists(real));
    }

    [Fact]
    public void Missing_directory_is_a_clear_error()
    {
        var e = Assert.Throws<CredentialStoreException>(() => SqliteCredentialStore.Open(dir.File("no/such/credentials.db"), NewKeyring()));
        Assert.Contains("does not exist", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Concurrent_puts_are_all_durable_and_readable()
    {
        const int count = 1000;
        var keyring = NewKeyring();
        using (var store = Open(keyring))
        {
            var clock = Stopwatch.StartNew();
            var stored = await Task.WhenAll(Enumerable.Range(0, count).Select(i => Task.Run(() => store.PutAsync(Credential((uint)i, fill: (byte)i)))));
            clock.Stop();
            output.WriteLine($"{count} concurrent puts in {clock.ElapsedMilliseconds} ms ({count / clock.Elapsed.TotalSeconds:F0}/s)");
            Assert.Equal(count, stored.Select(s => s.Version).Distinct().Count());
            Assert.Equal(count, await store.CountAsync());
        }
        using (var store = Open(keyring))
        {
            for (uint uid = 0; uid < count; uid++)
                AssertSame(Credential(uid, fill: (byte)uid), await store.GetAsync(uid));
        }
    }

    [Fact]
    public async Task Reads_run_while_writes_are_in_flight()
    {
        using var store = Open(NewKeyring());
        await store.PutAsync(Credential(1));
        var writes = Enumerable.Range(2, 300).Select(i => store.PutAsync(Credential((uint)i))).ToArray();
        for (int i = 0; i < 50; i++)
            AssertSame(Credential(1), await store.GetAsync(1));
        await Task.WhenAll(writes);
    }

    [Fact]
    public async Task Concurrent_gets_see_each_commit_as_soon_as_it_is_acknowledged()
    {
        using var store = Open(NewKeyring());
        var uids = Enumerable.Range(1, 8).Select(i => (uint)i).ToArray();
        await Task.WhenAll(uids.Select(uid => store.PutAsync(Credential(uid, fill: 0))));
        await Task.WhenAll(uids.Select(uid => Task.Run(async () =>
        {
            for (byte round = 1; round <= 30; round++)
            {
                await store.PutAsync(Credential(uid, fill: round));
                // Each get prepares nothing anew; it must still read what was just committed.
                AssertSame(Credential(uid, fill: round), await store.GetAsync(uid));
                Assert.Null(await store.GetAsync(uid + 1000));
            }
        })));
        Assert.True(await store.RemoveAsync(1));
        Assert.Null(await store.GetAsync(1));
    }

    [Fact]
    public async Task Cancelled_before_queueing_does_not_write()
    {
        using var store = Open(NewKeyring());
        using var cancel = new CancellationTokenSource();
        await cancel.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => store.PutAsync(Credential(1), cancel.Token));
        Assert.Equal(0, await store.CountAsync());
    }

    [Fact]
    public async Task Use_after_dispose_is_refused()
    {
        var store = Open(NewKeyring());
        store.Dispose();
        await Assert.ThrowsAsync<ObjectDisposedException>(() => store.PutAsync(Credential(1)));
        await Assert.ThrowsAsync<ObjectDisposedException>(() => store.GetAsync(1));
    }

    [Fact]
    public async Task Bytes_never_appear_in_strings()
    {
        using var store = Open(NewKeyring());
        StoredCredential stored = await store.PutAsync(Credential(3, fill: 0x41));
        Assert.DoesNotContain("AAAA", stored.ToString(), StringComparison.Ordinal);
        Assert.DoesNotContain("65", stored.ToString(), StringComparison.Ordinal);
    }

    /// <summary>
    /// Stands in for a crash mid-write: copies the database, WAL and shared-memory files while
    /// a large transaction is open (its uncommitted pages already spilled into the WAL) and
    /// opens the copy. Everything committed is there; nothing of the open transaction is.
    /// </summary>
    [Fact]
    public async Task Opens_cleanly_after_an_abandoned_transaction()
    {
        var keyring = NewKeyring();
        using (var store = Open(keyring))
        {
            for (uint uid = 1; uid <= 50; uid++)
                await store.PutAsync(Credential(uid));

            using var intruder = new SqliteConnection($"Data Source={DbPath};Pooling=False");
            intruder.Open();
            using (var setup = intruder.CreateCommand())
            {
                setup.CommandText = "PRAGMA cache_size = 10;";
                setup.ExecuteNonQuery();
            }
            using var transaction = intruder.BeginTransaction();
            using (var insert = intruder.CreateCommand())
            {
                insert.Transaction = transaction;
                insert.CommandText = """
                    WITH RECURSIVE n(i) AS (SELECT 1000 UNION ALL SELECT i + 1 FROM n WHERE i < 3000)
                    INSERT INTO credentials SELECT i, 'x', 0, 0, 0, 0, 'k1', zeroblob(12), randomblob(2000), 0, 0, 0, 0 FROM n;
                    DELETE FROM credentials WHERE uid = 7;
                    """;
                insert.ExecuteNonQuery();
            }
            Assert.True(new FileInfo(DbPath + "-wal").Length > 1_000_000, "the open transaction should have spilled into the WAL");

            string crash = Directory.CreateDirectory(dir.File("crash")).FullName;
            foreach (string suffix in new[] { "", "-wal", "-shm" })
            {
                string copy = Path.Combine(crash, "credentials.db" + suffix);
                File.Copy(DbPath + suffix, copy);
                File.SetUnixFileMode(copy, UnixFileMode.UserRead | UnixFileMode.UserWrite);
            }
            transaction.Rollback();

            using var recovered = SqliteCredentialStore.Open(Path.Combine(crash, "credentials.db"), keyring);
            Assert.Equal(50, await recovered.CountAsync());
            AssertSame(Credential(7), await recovered.GetAsync(7));
            Assert.Null(await recovered.GetAsync(1000));
            await recovered.PutAsync(Credential(51));
            Assert.Equal(51, await recovered.CountAsync());
        }
    }

    [Fact]
    public async Task An_upload_records_its_time_and_keep_flag_and_a_renewal_leaves_both()
    {
        var clock = new SlurmNative.Tests.Jwt.ManualTime(T0);
        using var store = SqliteCredentialStore.Open(DbPath, NewKeyring(), clock: clock);
        StoredCredential put = await store.PutAsync(Credential(1000) with { Keep = true });
        Assert.Equal(T0, put.Uploaded);

        clock.Advance(TimeSpan.FromHours(2));
        Assert.True(await store.ReplaceIfUnchangedAsync(Credential(1000, endHours: 20), put.Version));
        StoredCredential renewed = (await store.GetAsync(1000))!;
        Assert.Equal(T0.AddHours(20), renewed.End);
        Assert.True(renewed.Keep);
        Assert.Equal(T0, renewed.Uploaded);
        Assert.Equal([new UploadRecord(1000, T0, true, renewed.Version)], await store.ListUploadsAsync());

        StoredCredential again = await store.PutAsync(Credential(1000));
        Assert.False((await store.GetAsync(1000))!.Keep);
        Assert.Equal(T0.AddHours(2), again.Uploaded);
    }

    [Fact]
    public async Task A_version_1_database_is_migrated_keeping_its_rows_with_their_last_write_as_upload_time()
    {
        var keyring = NewKeyring();
        using (var store = Open(keyring))
            await store.PutAsync(Credential(1000));
        // What the previous schema looked like, with its rows intact.
        Raw("""
            CREATE TABLE old AS SELECT uid, principal, start, "end", renew_till, flags, key_id, nonce, ciphertext, version, updated FROM credentials;
            DROP TABLE credentials;
            CREATE TABLE credentials (uid INTEGER PRIMARY KEY, principal TEXT NOT NULL, start INTEGER NOT NULL, "end" INTEGER NOT NULL,
                renew_till INTEGER NOT NULL, flags INTEGER NOT NULL, key_id TEXT NOT NULL, nonce BLOB NOT NULL, ciphertext BLOB NOT NULL,
                version INTEGER NOT NULL, updated INTEGER NOT NULL) STRICT;
            INSERT INTO credentials SELECT * FROM old;
            DROP TABLE old;
            UPDATE credentials SET updated = 1700000000;
            PRAGMA user_version = 1;
            """);

        using (var store = Open(keyring))
        {
            AssertSame(Credential(1000), await store.GetAsync(1000));
            UploadRecord upload = Assert.Single(await store.ListUploadsAsync());
            Assert.Equal((1000u, DateTimeOffset.FromUnixTimeSeconds(1_700_000_000), false), (upload.Uid, upload.Uploaded, upload.Keep));
            await store.PutAsync(Credential(1001) with { Keep = true });
        }
        using (var store = Open(keyring))
            Assert.True((await store.GetAsync(1001))!.Keep);
    }

    private sealed class ListLog : SlurmNative.Daemon.Logging.IDaemonLog
    {
        public List<string> Lines { get; } = [];
        public void Error(string message) => Lines.Add(message);
        public void Warning(string message) => Lines.Add(message);
        public void Info(string message) => Lines.Add(message);
        public void Debug(string message) => Lines.Add(message);
    }
}
