using Microsoft.Data.Sqlite;
using static SlurmNative.Store.Sqlite.SqliteStatements;

namespace SlurmNative.Store.Sqlite.Schema;

/// <summary>The credentials table, its journal settings, and the migrations from older schema versions.</summary>
internal static class SqliteSchema
{
    public const int Version = 2;

    /// <summary>Sets the journal and durability pragmas, then creates or migrates the tables in one transaction.</summary>
    public static void Initialise(SqliteConnection connection, string full)
    {
        string journal = Scalar<string>(connection, "PRAGMA journal_mode=WAL;");
        if (!string.Equals(journal, "wal", StringComparison.OrdinalIgnoreCase))
            throw new CredentialStoreException($"credential database {full} cannot use WAL mode (got '{journal}'); is it on a network file system?");
        // FULL: the WAL is fsync'd at every commit, so a commit that returned survives power loss.
        // secure_delete: removed or re-encrypted ciphertexts do not linger in free pages.
        Execute(connection, "PRAGMA synchronous=FULL; PRAGMA secure_delete=ON; PRAGMA foreign_keys=OFF;");

        long version = Scalar<long>(connection, "PRAGMA user_version;");
        if (version > Version)
            throw new CredentialStoreException($"credential database {full} has schema version {version}, newer than this daemon understands ({Version}); upgrade the daemon");

        using var transaction = connection.BeginTransaction();
        if (version == 1)
        {
            // A version-1 row was last written by an upload or a renewal; its last write is the
            // closest known upload time, and only later versions know --keep.
            Execute(connection, """
                ALTER TABLE credentials ADD COLUMN keep INTEGER NOT NULL DEFAULT 0;
                ALTER TABLE credentials ADD COLUMN uploaded INTEGER NOT NULL DEFAULT 0;
                UPDATE credentials SET uploaded = updated;
                """, transaction);
        }
        Execute(connection, """
            CREATE TABLE IF NOT EXISTS credentials (
                uid INTEGER PRIMARY KEY,
                principal TEXT NOT NULL,
                start INTEGER NOT NULL,
                "end" INTEGER NOT NULL,
                renew_till INTEGER NOT NULL,
                flags INTEGER NOT NULL,
                key_id TEXT NOT NULL,
                nonce BLOB NOT NULL,
                ciphertext BLOB NOT NULL,
                version INTEGER NOT NULL,
                updated INTEGER NOT NULL,
                keep INTEGER NOT NULL DEFAULT 0,
                uploaded INTEGER NOT NULL DEFAULT 0
            ) STRICT;
            CREATE INDEX IF NOT EXISTS credentials_end ON credentials ("end");
            -- Versions come from one counter that outlives deleted rows: a user who removes and
            -- re-uploads must not get back a version an in-flight renewal still expects.
            CREATE TABLE IF NOT EXISTS counters (name TEXT PRIMARY KEY, value INTEGER NOT NULL) STRICT;
            INSERT OR IGNORE INTO counters (name, value) VALUES ('version', 0);
            """, transaction);
        Execute(connection, $"PRAGMA user_version={Version};", transaction);
        transaction.Commit();
    }
}
