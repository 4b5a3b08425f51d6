using Microsoft.Data.Sqlite;
using SlurmNative.Store.Keys;

namespace SlurmNative.Store.Sqlite.WriteQueue;

/// <summary>The writer thread's connection, transaction and prepared statements.</summary>
internal sealed class SqliteWriteContext : IDisposable
{
    private readonly SqliteConnection connection;
    private readonly SqliteCommand upsert;
    private readonly SqliteCommand update;
    private readonly SqliteCommand delete;
    private readonly SqliteCommand deleteIfVersion;
    private readonly SqliteCommand currentVersion;
    private readonly SqliteCommand reseal;
    private readonly SqliteCommand readCounter;
    private readonly SqliteCommand writeCounter;
    private SqliteTransaction? transaction;
    private long counter;
    private bool counterDirty;

    public SqliteWriteContext(SqliteConnection connection)
    {
        this.connection = connection;
        // An upload's time is its write's time; a renewal (update) leaves it and the keep flag alone.
        const string values = "$uid, $principal, $start, $end, $renew_till, $flags, $key_id, $nonce, $ciphertext, $version, $updated, $keep, $updated";
        upsert = Command($"""
            INSERT INTO credentials (uid, principal, start, "end", renew_till, flags, key_id, nonce, ciphertext, version, updated, keep, uploaded)
            VALUES ({values})
            ON CONFLICT (uid) DO UPDATE SET principal = excluded.principal, start = excluded.start, "end" = excluded."end",
                renew_till = excluded.renew_till, flags = excluded.flags, key_id = excluded.key_id, nonce = excluded.nonce,
                ciphertext = excluded.ciphertext, version = excluded.version, updated = excluded.updated,
                keep = excluded.keep, uploaded = excluded.uploaded;
            """, "$uid", "$principal", "$start", "$end", "$renew_till", "$flags", "$key_id", "$nonce", "$ciphertext", "$version", "$updated", "$keep");
        update = Command("""
            UPDATE credentials SET principal = $principal, start = $start, "end" = $end, renew_till = $renew_till, flags = $flags,
                key_id = $key_id, nonce = $nonce, ciphertext = $ciphertext, version = $version, updated = $updated
            WHERE uid = $uid AND version = $expected;
            """, "$uid", "$principal", "$start", "$end", "$renew_till", "$flags", "$key_id", "$nonce", "$ciphertext", "$version", "$updated", "$expected");
        delete = Command("DELETE FROM credentials WHERE uid = $uid;", "$uid");
        deleteIfVersion = Command("DELETE FROM credentials WHERE uid = $uid AND version = $expected;", "$uid", "$expected");
        currentVersion = Command("SELECT version FROM credentials WHERE uid = $uid;", "$uid");
        reseal = Command("""
            UPDATE credentials SET key_id = $key_id, nonce = $nonce, ciphertext = $ciphertext
            WHERE uid = $uid AND version = $version AND key_id = $old_key;
            """, "$uid", "$version", "$old_key", "$key_id", "$nonce", "$ciphertext");
        readCounter = Command("SELECT value FROM counters WHERE name = 'version';");
        writeCounter = Command("UPDATE counters SET value = $value WHERE name = 'version';", "$value");
    }

    private SqliteCommand Command(string sql, params string[] parameters)
    {
        var command = connection.CreateCommand();
        command.CommandText = sql;
        foreach (string name in parameters)
            command.Parameters.Add(new SqliteParameter { ParameterName = name });
        return command;
    }

    private SqliteCommand Bind(SqliteCommand command)
    {
        command.Transaction = transaction;
        return command;
    }

    public void Begin()
    {
        // IMMEDIATE: take the write lock now, not at the first write, so no upgrade can deadlock.
        transaction = connection.BeginTransaction(deferred: false);
        // Read each time: another process (an admin tool) may have written since.
        counter = (long)Bind(readCounter).ExecuteScalar()!;
        counterDirty = false;
    }

    public void Commit()
    {
        if (counterDirty)
        {
            Bind(writeCounter).Parameters["$value"].Value = counter;
            writeCounter.ExecuteNonQuery();
        }
        transaction!.Commit();
        transaction.Dispose();
        transaction = null;
    }

    public void Rollback()
    {
        try
        {
            transaction?.Rollback();
        }
        catch (SqliteException)
        {
            // SQLite may already have rolled back on the error that brought us here.
        }
        transaction?.Dispose();
        transaction = null;
    }

    public long NextVersion()
    {
        counterDirty = true;
        return ++counter;
    }

    public long? CurrentVersion(uint uid)
    {
        Bind(currentVersion).Parameters["$uid"].Value = (long)uid;
        return currentVersion.ExecuteScalar() is long version ? version : null;
    }

    public void Upsert(StoredCredential credential, SealedData sealedData, long version, long updated)
    {
        SetRow(Bind(upsert), credential, sealedData, version, updated);
        upsert.Parameters["$keep"].Value = credential.Keep ? 1L : 0L;
        upsert.ExecuteNonQuery();
    }

    public bool Update(StoredCredential credential, SealedData sealedData, long version, long updated, long expected)
    {
        SetRow(Bind(update), credential, sealedData, version, updated);
        update.Parameters["$expected"].Value = expected;
        return update.ExecuteNonQuery() == 1;
    }

    public bool Delete(uint uid, long? expected)
    {
        SqliteCommand command = Bind(expected is null ? delete : deleteIfVersion);
        command.Parameters["$uid"].Value = (long)uid;
        if (expected is not null)
            command.Parameters["$expected"].Value = expected.Value;
        return command.ExecuteNonQuery() > 0;
    }

    public bool Reseal(uint uid, long version, string oldKey, SealedData sealedData)
    {
        var p = Bind(reseal).Parameters;
        p["$uid"].Value = (long)uid;
        p["$version"].Value = version;
        p["$old_key"].Value = oldKey;
        p["$key_id"].Value = sealedData.KeyId;
        p["$nonce"].Value = sealedData.Nonce;
        p["$ciphertext"].Value = sealedData.CiphertextAndTag;
        return reseal.ExecuteNonQuery() == 1;
    }

    private static void SetRow(SqliteCommand command, StoredCredential credential, SealedData sealedData, long version, long updated)
    {
        var p = command.Parameters;
        p["$uid"].Value = (long)credential.Uid;
        p["$principal"].Value = credential.Principal;
        p["$start"].Value = credential.Start.ToUnixTimeSeconds();
        p["$end"].Value = credential.End.ToUnixTimeSeconds();
        p["$renew_till"].Value = credential.RenewTill.ToUnixTimeSeconds();
        p["$flags"].Value = (long)credential.Flags;
        p["$key_id"].Value = sealedData.KeyId;
        p["$nonce"].Value = sealedData.Nonce;
        p["$ciphertext"].Value = sealedData.CiphertextAndTag;
        p["$version"].Value = version;
        p["$updated"].Value = updated;
    }

    public void Dispose()
    {
        Rollback();
        foreach (var command in new[] { upsert, update, delete, deleteIfVersion, currentVersion, reseal, readCounter, writeCounter })
            command.Dispose();
    }
}
