using System.Data.Common;
using Microsoft.Data.Sqlite;
using SlurmNative.Store.Keys;
using SlurmNative.Daemon.Logging;
using SlurmNative.Store;
using SlurmNative.Tests.TestSupport;
using Xunit.Abstractions;
using SlurmNative.Store.Sqlite;
using SlurmNative.Store.Sqlite.Schema;

namespace SlurmNative.Tests.Store.Sqlite;

/// <summary>The store contract on SQLite, and what only a database file on the daemon's host needs.</summary>
public sealed class SqliteCredentialStoreTests(ITestOutputHelper output) : CredentialStoreContract(output)
{
    private readonly TempDirectory dir = new();

    public override void Dispose()
    {
        dir.Dispose();
        base.Dispose();
    }

    private string DbPath => dir.File("credentials.db");

    protected override ICredentialStore Open(Func<Keyring> keyring, IDaemonLog? log = null, TimeProvider? clock = null) => SqliteCredentialStore.Open(DbPath, keyring, log, clock);

    private SqliteCredentialStore OpenSqlite(Keyring keyring) => SqliteCredentialStore.Open(DbPath, keyring);

    protected override DbConnection ConnectRaw()
    {
        var connection = new SqliteConnection($"Data Source={DbPath};Pooling=False");
        connection.Open();
        return connection;
    }

    /// <summary>Every file in the database's directory: the database, its WAL and shared memory.</summary>
    protected override byte[] EverythingStored() => Directory.GetFiles(dir.Path).SelectMany(File.ReadAllBytes).ToArray();

    protected override void MarkSchemaNewerThanThisDaemon() => Raw("PRAGMA user_version = 99");

    protected override void RevertToFirstSchema() =>
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

    protected override int RecordedSchemaVersion() => Convert.ToInt32(RawScalar("PRAGMA user_version"), System.Globalization.CultureInfo.InvariantCulture);

    protected override int CurrentSchemaVersion => SqliteSchema.Version;

    [Fact]
    public async Task Claims_walk_the_end_index_without_a_sort()
    {
        using (var store = OpenSqlite(NewKeyring()))
            await store.PutAsync(Credential(1));
        using var connection = new SqliteConnection($"Data Source={DbPath};Pooling=False");
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = "EXPLAIN QUERY PLAN SELECT uid FROM credentials WHERE \"end\" < 5 AND (\"end\", uid) > (0, 0) ORDER BY \"end\", uid LIMIT 10;";
        using var reader = command.ExecuteReader();
        var plan = new List<string>();
        while (reader.Read())
            plan.Add(reader.GetString(3));
        Assert.Contains(plan, line => line.Contains("credentials_end", StringComparison.Ordinal));
        Assert.DoesNotContain(plan, line => line.Contains("TEMP B-TREE", StringComparison.Ordinal));
    }


    [Fact]
    public async Task Database_files_are_private_and_settings_durable()
    {
        using var store = OpenSqlite(NewKeyring());
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
        var e = Assert.Throws<CredentialStoreException>(() => OpenSqlite(NewKeyring()));
        Assert.Contains($"chmod 600 {DbPath}", e.Message, StringComparison.Ordinal);
    }


    [Fact]
    public void Refuses_a_symlinked_database()
    {
        string real = dir.File("real.db");
        File.CreateSymbolicLink(DbPath, real);
        var e = Assert.Throws<CredentialStoreException>(() => OpenSqlite(NewKeyring()));
        Assert.Contains("symbolic link", e.Message, StringComparison.Ordinal);
        Assert.False(File.Exists(real));
    }


    [Fact]
    public void Missing_directory_is_a_clear_error()
    {
        var e = Assert.Throws<CredentialStoreException>(() => SqliteCredentialStore.Open(dir.File("no/such/credentials.db"), NewKeyring()));
        Assert.Contains("does not exist", e.Message, StringComparison.Ordinal);
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
        using (var store = OpenSqlite(keyring))
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
}
