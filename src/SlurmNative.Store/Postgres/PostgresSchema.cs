using Npgsql;

namespace SlurmNative.Store.Postgres;

/// <summary>
/// The PostgreSQL store's tables, created and migrated by the daemon when it starts. A version
/// table records each step applied; daemons starting together take turns (an advisory lock held
/// for the transaction), and a daemon older than the database refuses to touch it.
/// </summary>
internal static class PostgresSchema
{
    /// <summary>The last step below: what this daemon reads and writes.</summary>
    public static int Version => Steps.Length;

    // Distinct from the renewer's per-uid locks (see PostgresCredentialStore.RenewLockBase).
    private const long MigrationLock = 0x736E_7300_0000_0001;

    /// <summary>Step N+1 takes a database at version N to N+1. Append; never edit a released step.</summary>
    private static readonly string[] Steps =
    [
        """
        -- Versions come from one sequence that outlives deleted rows and is shared by every daemon:
        -- a user who removes and re-uploads must not get back a version an in-flight renewal expects.
        CREATE SEQUENCE credential_versions;
        CREATE TABLE credentials (
            uid bigint PRIMARY KEY CHECK (uid BETWEEN 0 AND 4294967295),
            principal text NOT NULL,
            start bigint NOT NULL,
            "end" bigint NOT NULL,
            renew_till bigint NOT NULL,
            flags bigint NOT NULL,
            key_id text NOT NULL,
            nonce bytea NOT NULL,
            ciphertext bytea NOT NULL,
            version bigint NOT NULL,
            updated bigint NOT NULL
        );
        -- The renewer walks due rows in ("end", uid) order.
        CREATE INDEX credentials_end ON credentials ("end", uid);
        """,
        """
        -- When its owner last uploaded it (a renewal leaves this alone) and whether it is kept without
        -- jobs. A row from step 1 was last written by an upload or a renewal: its last write is the
        -- closest known upload time.
        ALTER TABLE credentials ADD COLUMN keep boolean NOT NULL DEFAULT false;
        ALTER TABLE credentials ADD COLUMN uploaded bigint NOT NULL DEFAULT 0;
        UPDATE credentials SET uploaded = updated;
        """,
    ];

    /// <summary>Brings the database to <see cref="Version"/>; returns the version it found.</summary>
    /// <exception cref="CredentialStoreException">the database is newer than this daemon.</exception>
    public static int Migrate(NpgsqlConnection connection, string description)
    {
        using NpgsqlTransaction transaction = connection.BeginTransaction();
        Execute(connection, transaction, $"SELECT pg_advisory_xact_lock({MigrationLock});");
        Execute(connection, transaction, "CREATE TABLE IF NOT EXISTS slurmnative_schema (version integer PRIMARY KEY, applied timestamptz NOT NULL DEFAULT now());");
        int found;
        using (var command = new NpgsqlCommand("SELECT COALESCE(MAX(version), 0) FROM slurmnative_schema;", connection, transaction))
            found = Convert.ToInt32(command.ExecuteScalar(), System.Globalization.CultureInfo.InvariantCulture);
        if (found > Version)
            throw new CredentialStoreException($"{description} has schema version {found}, newer than this daemon understands ({Version}): a newer slurmnatived migrated it; upgrade slurmnatived on this host to the same release");
        for (int step = found + 1; step <= Version; step++)
        {
            Execute(connection, transaction, Steps[step - 1]);
            Execute(connection, transaction, $"INSERT INTO slurmnative_schema (version) VALUES ({step});");
        }
        transaction.Commit();
        return found;
    }

    /// <summary>
    /// Refuses a server that acknowledges a commit before it is on disk: the daemon acknowledges
    /// an upload once its commit returns, and promises that a crash loses nothing acknowledged.
    /// </summary>
    public static void RequireDurableCommits(NpgsqlConnection connection, string description)
    {
        if (Show(connection, "fsync") == "off")
            throw new CredentialStoreException($"{description} runs with fsync = off, so a crash of its host can lose commits the daemon has acknowledged; turn fsync on in postgresql.conf");
        if (Show(connection, "synchronous_commit") == "off")
            throw new CredentialStoreException($"{description} acknowledges commits before they are on disk (synchronous_commit = off), so an upload the daemon acknowledged could be lost; set it for the daemon's role: ALTER ROLE {connection.UserName} SET synchronous_commit = on");
    }

    private static string Show(NpgsqlConnection connection, string setting)
    {
        using var command = new NpgsqlCommand($"SHOW {setting};", connection);
        return (string)command.ExecuteScalar()!;
    }

    private static void Execute(NpgsqlConnection connection, NpgsqlTransaction transaction, string sql)
    {
        using var command = new NpgsqlCommand(sql, connection, transaction);
        command.ExecuteNonQuery();
    }
}
