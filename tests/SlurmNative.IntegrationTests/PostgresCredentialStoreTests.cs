using System.Data.Common;
using System.Security.Cryptography;
using Npgsql;
using SlurmNative.Store.Keys;
using SlurmNative.Daemon.Logging;
using SlurmNative.Store;
using SlurmNative.Tests.Store;
using Xunit.Abstractions;
using SlurmNative.Store.Postgres;

namespace SlurmNative.IntegrationTests;

/// <summary>
/// The store contract on the testbed's real PostgreSQL, and what only a shared database server
/// adds: the connection, the password, the schema version table, claims shared between daemons.
/// Each test gets a database of its own, dropped at the end.
/// </summary>
[Collection(TestbedCollection.Name)]
public sealed class PostgresCredentialStoreTests : CredentialStoreContract
{
    private readonly Testbed testbed;
    private readonly string server;
    private readonly string database = "contract_" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(6));

    public PostgresCredentialStoreTests(Testbed testbed, ITestOutputHelper output) : base(output)
    {
        this.testbed = testbed;
        server = testbed.StartPostgres();
        Admin($"CREATE DATABASE {database};");
    }

    public override void Dispose()
    {
        NpgsqlConnection.ClearAllPools();
        Admin($"DROP DATABASE IF EXISTS {database} WITH (FORCE);");
        base.Dispose();
    }

    private string ConnectionString => new NpgsqlConnectionStringBuilder(server) { Database = database }.ConnectionString;

    private string PasswordedConnectionString(string? databaseName = null) => new NpgsqlConnectionStringBuilder(server)
    {
        Database = databaseName ?? database,
        Password = File.ReadAllText(testbed.PostgresPasswordFile).Trim(),
        Pooling = false,
    }.ConnectionString;

    /// <summary>As the daemons' role, in its maintenance database.</summary>
    private void Admin(string sql)
    {
        using var connection = new NpgsqlConnection(PasswordedConnectionString("postgres"));
        connection.Open();
        using var command = new NpgsqlCommand(sql, connection);
        command.ExecuteNonQuery();
    }

    protected override ICredentialStore Open(Func<Keyring> keyring, IDaemonLog? log = null, TimeProvider? clock = null) =>
        PostgresCredentialStore.Open(ConnectionString, testbed.PostgresPasswordFile, keyring, log, clock);

    protected override DbConnection ConnectRaw() => Connect();

    private NpgsqlConnection Connect()
    {
        var connection = new NpgsqlConnection(PasswordedConnectionString());
        connection.Open();
        return connection;
    }

    /// <summary>The rows as the server returns them, and every file of the server's data directory (tables and the WAL every write goes through first).</summary>
    protected override byte[] EverythingStored()
    {
        var bytes = new List<byte>();
        using (var connection = Connect())
        using (var command = new NpgsqlCommand("SELECT principal, key_id, nonce, ciphertext FROM credentials", connection))
        using (var reader = command.ExecuteReader())
        {
            while (reader.Read())
            {
                bytes.AddRange(System.Text.Encoding.UTF8.GetBytes(reader.GetString(0) + reader.GetString(1)));
                bytes.AddRange(reader.GetFieldValue<byte[]>(2));
                bytes.AddRange(reader.GetFieldValue<byte[]>(3));
            }
        }
        foreach (string file in Directory.EnumerateFiles(Path.Combine(testbed.Directory, "postgres", "data"), "*", SearchOption.AllDirectories))
            bytes.AddRange(File.ReadAllBytes(file));
        return [.. bytes];
    }

    protected override void MarkSchemaNewerThanThisDaemon() => Raw("INSERT INTO slurmnative_schema (version) VALUES (99)");

    protected override void RevertToFirstSchema() =>
        Raw("""
            ALTER TABLE credentials DROP COLUMN keep, DROP COLUMN uploaded;
            UPDATE credentials SET updated = 1700000000;
            DELETE FROM slurmnative_schema WHERE version > 1;
            """);

    protected override int RecordedSchemaVersion() =>
        Convert.ToInt32(RawScalar("SELECT MAX(version) FROM slurmnative_schema"), System.Globalization.CultureInfo.InvariantCulture);

    protected override int CurrentSchemaVersion => PostgresSchema.Version;

    [Fact]
    public void The_schema_is_created_with_a_version_table_and_concurrent_starts_agree()
    {
        var stores = Enumerable.Range(0, 4).AsParallel().WithDegreeOfParallelism(4).Select(_ => Open(NewKeyring())).ToList();
        stores.ForEach(s => s.Dispose());

        // One row per step, each applied once although four daemons started together.
        Assert.Equal(2L, Convert.ToInt64(RawScalar("SELECT COUNT(*) FROM slurmnative_schema"), System.Globalization.CultureInfo.InvariantCulture));
        Assert.Equal(2, Convert.ToInt32(RawScalar("SELECT MAX(version) FROM slurmnative_schema"), System.Globalization.CultureInfo.InvariantCulture));
    }

    [Fact]
    public void An_unreachable_server_is_a_clear_store_unavailable_error()
    {
        string closed = new NpgsqlConnectionStringBuilder(ConnectionString) { Port = CredentialDaemon.FreePort() }.ConnectionString;

        var e = Assert.Throws<StoreUnavailableException>(() => PostgresCredentialStore.Open(closed, testbed.PostgresPasswordFile, () => NewKeyring()));

        Assert.StartsWith("store unavailable: opening PostgreSQL database", e.Message, StringComparison.Ordinal);
        Assert.Contains("127.0.0.1:", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_password_in_the_connection_string_is_refused_and_never_repeated()
    {
        string inline = ConnectionString + ";Password=hunter2-secret";

        var e = Assert.Throws<CredentialStoreException>(() => PostgresCredentialStore.Open(inline, null, () => NewKeyring()));

        Assert.Contains("store_password_file", e.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("hunter2", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_password_file_others_can_read_is_refused_and_a_wrong_password_is_named()
    {
        using var dir = new SlurmNative.Tests.TestSupport.TempDirectory();
        string readable = dir.Write("password", File.ReadAllText(testbed.PostgresPasswordFile), (UnixFileMode)0b110_100_100);
        var open = Assert.Throws<CredentialStoreException>(() => PostgresCredentialStore.Open(ConnectionString, readable, () => NewKeyring()));
        Assert.Contains($"chmod 600 {readable}", open.Message, StringComparison.Ordinal);

        string wrong = dir.Write("wrong", "not-the-password\n");
        var refused = Assert.Throws<CredentialStoreException>(() => PostgresCredentialStore.Open(ConnectionString, wrong, () => NewKeyring()));
        Assert.Contains("password authentication failed", refused.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("not-the-password", refused.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_server_that_acknowledges_commits_before_they_are_durable_is_refused()
    {
        Admin($"ALTER DATABASE {database} SET synchronous_commit = off;");

        var e = Assert.Throws<CredentialStoreException>(() => Open(NewKeyring()));

        Assert.Contains("synchronous_commit = off", e.Message, StringComparison.Ordinal);
        Assert.Contains("ALTER ROLE slurmnative SET synchronous_commit = on", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Two_daemons_never_hold_one_claim_and_a_dead_daemons_claims_are_free_at_once()
    {
        var keyring = NewKeyring();
        using var first = Open(keyring);
        using var second = Open(keyring);
        for (uint uid = 1; uid <= 10; uid++)
            await first.PutAsync(Credential(uid, endHours: (int)uid));

        RenewalClaim held = await first.ClaimDueAsync(T0.AddDays(1), null, 4);
        Assert.Equal([1u, 2u, 3u, 4u], held.Credentials.Select(c => c.Uid));
        await using (RenewalClaim other = await second.ClaimDueAsync(T0.AddDays(1), null, 6))
        {
            // The first four are passed over, not waited for; the cursor still moves past them.
            Assert.Equal([5u, 6u], other.Credentials.Select(c => c.Uid));
            Assert.Equal(new RenewalCursor(T0.AddHours(6), 6), other.Next);
        }

        // The daemon holding them dies: its session ends, and with it its locks.
        Raw("SELECT pg_terminate_backend(pid) FROM pg_locks WHERE locktype = 'advisory' AND pid <> pg_backend_pid()");
        await held.DisposeAsync();
        await using (RenewalClaim taken = await second.ClaimDueAsync(T0.AddDays(1), null, 4))
            Assert.Equal([1u, 2u, 3u, 4u], taken.Credentials.Select(c => c.Uid));
        // And nothing is left locked once claims are let go.
        Assert.Equal(0L, Convert.ToInt64(RawScalar("SELECT COUNT(*) FROM pg_locks WHERE locktype = 'advisory'"), System.Globalization.CultureInfo.InvariantCulture));
    }

    [Fact]
    public async Task A_row_renewed_by_another_daemon_after_the_scan_is_not_claimed_again()
    {
        var keyring = NewKeyring();
        using var first = Open(keyring);
        using var second = Open(keyring);
        StoredCredential stored = await first.PutAsync(Credential(1, endHours: 1));

        await using (RenewalClaim claim = await first.ClaimDueAsync(T0.AddHours(2), null, 10))
        {
            Assert.Single(claim.Credentials);
            Assert.True(await first.ReplaceIfUnchangedAsync(Credential(1, endHours: 5), stored.Version));
        }
        await using RenewalClaim again = await second.ClaimDueAsync(T0.AddHours(2), null, 10);
        Assert.Empty(again.Credentials);
    }

    [Fact]
    public async Task An_upload_through_one_store_is_read_at_once_through_another()
    {
        var keyring = NewKeyring();
        using var first = Open(keyring);
        using var second = Open(keyring);
        for (byte round = 1; round <= 20; round++)
        {
            StoredCredential put = await first.PutAsync(Credential(9, fill: round));
            StoredCredential? got = await second.GetAsync(9);
            AssertSame(Credential(9, fill: round), got);
            Assert.Equal(put.Version, got!.Version);
        }
    }
}
