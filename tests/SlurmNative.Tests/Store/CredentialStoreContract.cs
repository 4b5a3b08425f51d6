using System.Data.Common;
using System.Diagnostics;
using System.Security.Cryptography;
using SlurmNative.Store.Keys;
using SlurmNative.Daemon.Logging;
using SlurmNative.Store;
using SlurmNative.Tests.Daemon.Fakes;
using SlurmNative.Tests.TestSupport;
using Xunit.Abstractions;

namespace SlurmNative.Tests.Store;

/// <summary>
/// What every credential store promises, whatever keeps the rows: one set of tests, run once per
/// store against a real database of that kind (SQLite here; PostgreSQL in the integration tests,
/// against the testbed's server). Each test gets an empty database of its own.
/// </summary>
public abstract class CredentialStoreContract(ITestOutputHelper output) : IDisposable
{
    protected static readonly DateTimeOffset T0 = DateTimeOffset.FromUnixTimeSeconds(1_750_000_000);

    /// <summary>Opens the test's database (the same one on every call), asking <paramref name="keyring"/> on every operation.</summary>
    protected abstract ICredentialStore Open(Func<Keyring> keyring, IDaemonLog? log = null, TimeProvider? clock = null);

    /// <summary>A connection to the test's database that bypasses the store, as someone holding the database would have.</summary>
    protected abstract DbConnection ConnectRaw();

    /// <summary>Runs SQL behind the store's back; parameters are written @name.</summary>
    protected void Raw(string sql, params (string Name, object Value)[] parameters)
    {
        using DbConnection connection = ConnectRaw();
        using DbCommand command = RawCommand(connection, sql, parameters);
        command.ExecuteNonQuery();
    }

    protected object? RawScalar(string sql, params (string Name, object Value)[] parameters)
    {
        using DbConnection connection = ConnectRaw();
        using DbCommand command = RawCommand(connection, sql, parameters);
        return command.ExecuteScalar();
    }

    private static DbCommand RawCommand(DbConnection connection, string sql, (string Name, object Value)[] parameters)
    {
        DbCommand command = connection.CreateCommand();
        command.CommandText = sql;
        foreach (var (name, value) in parameters)
        {
            DbParameter parameter = command.CreateParameter();
            parameter.ParameterName = "@" + name;
            parameter.Value = value;
            command.Parameters.Add(parameter);
        }
        return command;
    }

    /// <summary>Everything the database holds for the credentials, as bytes, to search for plaintext.</summary>
    protected abstract byte[] EverythingStored();

    /// <summary>Makes the database look migrated by a newer daemon than this one.</summary>
    protected abstract void MarkSchemaNewerThanThisDaemon();

    /// <summary>
    /// Turns the database back into the store's version-1 schema (no keep or uploaded columns),
    /// rows intact, each last written at 1,700,000,000.
    /// </summary>
    protected abstract void RevertToFirstSchema();

    /// <summary>The schema version recorded in the database.</summary>
    protected abstract int RecordedSchemaVersion();

    /// <summary>The schema version this daemon writes.</summary>
    protected abstract int CurrentSchemaVersion { get; }

    public virtual void Dispose() => GC.SuppressFinalize(this);

    protected ICredentialStore Open(Keyring keyring, IDaemonLog? log = null, TimeProvider? clock = null) => Open(() => keyring, log, clock);

    protected static Keyring NewKeyring(string id = "k1") => Keyring.FromKeys([(id, RandomNumberGenerator.GetBytes(32))]);

    protected static StoredCredential Credential(uint uid, int endHours = 10, string? principal = null, byte fill = 0xAB) =>
        new(uid, principal ?? $"user{uid}@EXAMPLE.ORG", T0, T0.AddHours(endHours), T0.AddDays(7), 0x40e00000, Enumerable.Repeat(fill, 300).ToArray());

    protected static void AssertSame(StoredCredential expected, StoredCredential? actual)
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

    protected string KeyIdOf(uint uid) => (string)RawScalar("SELECT key_id FROM credentials WHERE uid = @uid", ("uid", (long)uid))!;

    [Fact]
    public async Task A_first_schema_database_is_migrated_keeping_its_rows_with_their_last_write_as_upload_time()
    {
        var keyring = NewKeyring();
        using (var store = Open(keyring))
            await store.PutAsync(Credential(1000));
        RevertToFirstSchema();

        using (var store = Open(keyring))
        {
            AssertSame(Credential(1000), await store.GetAsync(1000));
            UploadRecord upload = Assert.Single(await store.ListUploadsAsync());
            Assert.Equal((1000u, DateTimeOffset.FromUnixTimeSeconds(1_700_000_000), false), (upload.Uid, upload.Uploaded, upload.Keep));
            await store.PutAsync(Credential(1001) with { Keep = true });
        }
        using (var store = Open(keyring))
            Assert.True((await store.GetAsync(1001))!.Keep);
        Assert.Equal(CurrentSchemaVersion, RecordedSchemaVersion());
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

        Assert.Equal([a.Summary, b.Summary], await store.ListAsync());
        Assert.Equal([b.Summary], await store.ListAsync(1001));
        Assert.Empty(await store.ListAsync(42));
        Assert.Equal(2, await store.CountAsync());

        Assert.True(await store.RemoveAsync(1000));
        Assert.False(await store.RemoveAsync(1000));
        Assert.Null(await store.GetAsync(1000));
        Assert.Equal(1, await store.CountAsync());
    }

    [Fact]
    public async Task The_largest_uid_and_principal_survive_the_round_trip()
    {
        using var store = Open(NewKeyring());
        var odd = Credential(uint.MaxValue, principal: "é-user/admin@EXAMPLE.ORG");
        await store.PutAsync(odd);
        AssertSame(odd, await store.GetAsync(uint.MaxValue));
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
        var keyring = NewKeyring();
        using (var store = Open(keyring))
        {
            removedVersion = (await store.PutAsync(Credential(7))).Version;
            Assert.True(await store.RemoveAsync(7));
        }
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
    public async Task Claims_of_due_credentials_come_soonest_first_limited_and_continue_where_the_last_stopped()
    {
        using var store = Open(NewKeyring());
        int[] hours = [9, 3, 12, 1, 5, 3];
        for (int i = 0; i < hours.Length; i++)
            await store.PutAsync(Credential((uint)(100 + i), endHours: hours[i]));

        await using (RenewalClaim all = await store.ClaimDueAsync(T0.AddHours(6), null, 10))
        {
            Assert.Equal([103u, 101u, 105u, 104u], all.Credentials.Select(c => c.Uid));
            AssertSame(Credential(103, endHours: 1), all.Credentials[0]);
            Assert.Equal(new RenewalCursor(T0.AddHours(5), 104), all.Next);
        }

        RenewalClaim first = await store.ClaimDueAsync(T0.AddHours(6), null, 2);
        await first.DisposeAsync();
        Assert.Equal([103u, 101u], first.Credentials.Select(c => c.Uid));
        await using (RenewalClaim rest = await store.ClaimDueAsync(T0.AddHours(6), first.Next, 10))
            Assert.Equal([105u, 104u], rest.Credentials.Select(c => c.Uid));
        await using (RenewalClaim none = await store.ClaimDueAsync(T0.AddHours(6), new RenewalCursor(T0.AddHours(5), 104), 10))
        {
            Assert.Empty(none.Credentials);
            Assert.Null(none.Next);
        }
        await using (RenewalClaim nothingDue = await store.ClaimDueAsync(T0, null, 10))
            Assert.Empty(nothingDue.Credentials);
        await using (RenewalClaim zero = await store.ClaimDueAsync(T0.AddHours(6), null, 0))
            Assert.Empty(zero.Credentials);
    }

    [Fact]
    public async Task Undecryptable_rows_are_left_out_of_claims_but_fail_get()
    {
        var keyring = NewKeyring();
        using (var store = Open(keyring))
        {
            await store.PutAsync(Credential(1, endHours: 1));
            await store.PutAsync(Credential(2, endHours: 2));
        }
        Raw("UPDATE credentials SET key_id = 'gone' WHERE uid = 1");
        var log = new RecordingDaemonLog();
        using (var store = Open(keyring, log))
        {
            await using (RenewalClaim claim = await store.ClaimDueAsync(T0.AddDays(1), null, 10))
                Assert.Equal([2u], claim.Credentials.Select(c => c.Uid));
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
                                   nonce = (SELECT nonce FROM credentials WHERE uid = 2) WHERE uid = 1
            """);
        var e = await Assert.ThrowsAsync<CredentialStoreException>(() => store.GetAsync(1));
        Assert.Contains("failed authentication", e.Message, StringComparison.Ordinal);
        AssertSame(Credential(2, fill: 2), await store.GetAsync(2));
    }

    [Fact]
    public async Task Changing_the_principal_or_the_uid_of_a_row_is_detected()
    {
        using var store = Open(NewKeyring());
        await store.PutAsync(Credential(1));
        Raw("UPDATE credentials SET principal = 'root@EXAMPLE.ORG' WHERE uid = 1");
        await Assert.ThrowsAsync<CredentialStoreException>(() => store.GetAsync(1));
        Raw("UPDATE credentials SET principal = 'user1@EXAMPLE.ORG', uid = 99 WHERE uid = 1");
        await Assert.ThrowsAsync<CredentialStoreException>(() => store.GetAsync(99));
    }

    [Fact]
    public async Task Altered_ciphertext_is_detected()
    {
        using var store = Open(NewKeyring());
        await store.PutAsync(Credential(1));
        Raw("UPDATE credentials SET ciphertext = @zeros WHERE uid = 1", ("zeros", new byte[316]));
        await Assert.ThrowsAsync<CredentialStoreException>(() => store.GetAsync(1));
    }

    [Fact]
    public async Task The_database_never_holds_a_ticket_in_clear()
    {
        using (var store = Open(NewKeyring()))
            await store.PutAsync(Credential(1, fill: 0x5A));
        byte[] needle = Enumerable.Repeat((byte)0x5A, 32).ToArray();
        Assert.Equal(-1, EverythingStored().AsSpan().IndexOf(needle));
    }

    [Fact]
    public async Task Key_usage_counts_the_credentials_each_key_seals()
    {
        byte[] oldKey = RandomNumberGenerator.GetBytes(32);
        using (var store = Open(Keyring.FromKeys([("old", oldKey)])))
        {
            Assert.Empty(await store.KeyUsageAsync());
            await store.PutAsync(Credential(1));
            await store.PutAsync(Credential(2));
        }
        using (var store = Open(Keyring.FromKeys([("new", RandomNumberGenerator.GetBytes(32)), ("old", oldKey)])))
        {
            await store.PutAsync(Credential(3));
            var usage = await store.KeyUsageAsync();
            Assert.Equal(2, usage.Count);
            Assert.Equal(2, usage["old"]);
            Assert.Equal(1, usage["new"]);
        }
    }

    [Fact]
    public async Task Rotation_old_records_read_reencrypt_moves_them_then_old_key_can_go()
    {
        using var keyDir = new TempDirectory();
        string keyFile = keyDir.File("keys");
        string oldId = Keyring.Generate(keyFile, force: false);
        Keyring current = Keyring.Load(keyFile);
        using var store = Open(() => current);
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

        string[] lines = File.ReadAllLines(keyFile).Where(l => !l.StartsWith(oldId, StringComparison.Ordinal)).ToArray();
        File.WriteAllLines(keyFile, lines);
        current = Keyring.Load(keyFile);
        Assert.Equal([newId], current.KeyIds);
        for (uint uid = 1; uid <= 600; uid += 37)
            AssertSame(Credential(uid, fill: (byte)uid), await store.GetAsync(uid));
        Assert.Equal(fresh.Version, (await store.GetAsync(601))!.Version);
    }

    [Fact]
    public async Task Gets_are_answered_while_every_row_is_re_encrypted()
    {
        byte[] oldKey = RandomNumberGenerator.GetBytes(32);
        Keyring current = Keyring.FromKeys([("old", oldKey)]);
        using var store = Open(() => current);
        const int rows = 3000;
        for (int start = 0; start < rows; start += 500)
            await Task.WhenAll(Enumerable.Range(start, 500).Select(uid => store.PutAsync(Credential((uint)uid, fill: (byte)uid))));
        current = Keyring.FromKeys([("new", RandomNumberGenerator.GetBytes(32)), ("old", oldKey)]);

        Task<int> rotation = Task.Run(() => store.ReencryptAllAsync());
        int during = 0;
        var slowest = TimeSpan.Zero;
        for (uint uid = 0; !rotation.IsCompleted; uid = (uid + 97) % rows)
        {
            var clock = Stopwatch.StartNew();
            AssertSame(Credential(uid, fill: (byte)uid), await store.GetAsync(uid));
            slowest = clock.Elapsed > slowest ? clock.Elapsed : slowest;
            during++;
        }
        output.WriteLine($"{during} gets during the re-encryption of {rows} rows; slowest {slowest.TotalMilliseconds:F1} ms");
        Assert.Equal(rows, await rotation);
        Assert.True(during > 0, "no get ran while the rows were re-encrypted");
        Assert.True(slowest < TimeSpan.FromSeconds(1), $"a get waited {slowest} for the re-encryption");
        Assert.Equal(rows, (await store.KeyUsageAsync())["new"]);
    }

    [Fact]
    public async Task Reencrypt_reports_rows_it_cannot_decrypt_and_still_moves_the_rest()
    {
        byte[] oldKey = RandomNumberGenerator.GetBytes(32);
        using (var store = Open(Keyring.FromKeys([("old", oldKey)])))
        {
            await store.PutAsync(Credential(1));
            await store.PutAsync(Credential(2));
        }
        Raw("UPDATE credentials SET key_id = 'lost' WHERE uid = 1");
        using (var store = Open(Keyring.FromKeys([("new", RandomNumberGenerator.GetBytes(32)), ("old", oldKey)])))
        {
            var e = await Assert.ThrowsAsync<CredentialStoreException>(() => store.ReencryptAllAsync());
            Assert.Contains("re-encrypted 1", e.Message, StringComparison.Ordinal);
            Assert.Contains("uid 1", e.Message, StringComparison.Ordinal);
        }
        Assert.Equal("new", KeyIdOf(2));
        Assert.Equal("lost", KeyIdOf(1));
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
    public async Task A_schema_newer_than_the_daemon_is_refused_and_left_alone()
    {
        using (var store = Open(NewKeyring()))
            await store.PutAsync(Credential(1));
        MarkSchemaNewerThanThisDaemon();

        var e = Assert.Throws<CredentialStoreException>(() => Open(NewKeyring()));

        Assert.Contains("newer than this daemon understands", e.Message, StringComparison.Ordinal);
        Assert.Contains("upgrade", e.Message, StringComparison.Ordinal);
        Assert.Equal(1L, Convert.ToInt64(RawScalar("SELECT COUNT(*) FROM credentials"), System.Globalization.CultureInfo.InvariantCulture));
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
                AssertSame(Credential(uid, fill: round), await store.GetAsync(uid));
                Assert.Null(await store.GetAsync(uid + 1000));
            }
        })));
        Assert.True(await store.RemoveAsync(1));
        Assert.Null(await store.GetAsync(1));
    }

    [Fact]
    public async Task Cancelled_before_it_starts_a_put_does_not_write()
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
        Assert.DoesNotContain("password", store.Description, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public async Task An_upload_records_its_time_and_keep_flag_and_a_renewal_leaves_both()
    {
        var clock = new ManualTime(T0);
        using var store = Open(NewKeyring(), clock: clock);
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
        Assert.Equal(T0.AddHours(2), (await store.GetAsync(1000))!.Uploaded);
    }
}
