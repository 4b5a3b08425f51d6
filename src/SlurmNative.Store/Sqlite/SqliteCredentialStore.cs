using Microsoft.Data.Sqlite;
using SlurmNative.Credentials.Protocol;
using SlurmNative.Store.Keys;
using SlurmNative.Store.Sealing;
using SlurmNative.Store.Sqlite.Files;
using SlurmNative.Store.Sqlite.Lookups;
using SlurmNative.Store.Sqlite.Reencryption;
using SlurmNative.Store.Sqlite.Schema;
using SlurmNative.Store.Sqlite.WriteQueue;
using static SlurmNative.Store.Sqlite.SqliteStatements;

namespace SlurmNative.Store.Sqlite;

/// <summary>
/// Credentials in one SQLite table, one row per UID, tickets sealed with AES-256-GCM.
/// WAL with synchronous=FULL makes a commit durable when it returns, so a write is
/// acknowledged only after its fsync and a crash at any point leaves a readable database.
/// Writes go through <see cref="SqliteWriteQueue"/> (one writer thread, group commit);
/// reads use their own pooled connections and run alongside the writer.
/// </summary>
public sealed class SqliteCredentialStore : ICredentialStore
{
    private const string Columns = SealedRow.Columns;

    private readonly string readerConnectionString;
    private readonly SqliteLookupPool lookups;
    private readonly Func<Keyring> keyring;
    private readonly IStoreLog? log;
    private readonly TimeProvider time;
    private readonly SqliteConnection writer;
    private readonly SqliteWriteQueue writes;
    private int disposed;

    public string Path { get; }

    public string Description => $"SQLite database {Path}";

    private SqliteCredentialStore(string path, SqliteConnection writer, string readerConnectionString, Func<Keyring> keyring, IStoreLog? log, TimeProvider time)
    {
        Path = path;
        this.writer = writer;
        this.readerConnectionString = readerConnectionString;
        lookups = new SqliteLookupPool(readerConnectionString);
        this.keyring = keyring;
        this.log = log;
        this.time = time;
        writes = new SqliteWriteQueue(writer);
    }

    public static SqliteCredentialStore Open(string path, Keyring keyring, IStoreLog? log = null, TimeProvider? clock = null)
    {
        ArgumentNullException.ThrowIfNull(keyring);
        return Open(path, () => keyring, log, clock);
    }

    /// <summary>Opens or creates the database (mode 0600).</summary>
    /// <param name="keyring">asked on every operation, so a reloaded key file takes effect without reopening.</param>
    public static SqliteCredentialStore Open(string path, Func<Keyring> keyring, IStoreLog? log = null, TimeProvider? clock = null)
    {
        ArgumentNullException.ThrowIfNull(keyring);
        string full = System.IO.Path.GetFullPath(path);
        SqliteDatabaseFile.Prepare(full, Interop.Libc.geteuid());
        SQLitePCL.Batteries_V2.Init();

        var builder = new SqliteConnectionStringBuilder
        {
            DataSource = full,
            Mode = SqliteOpenMode.ReadWrite,
            Cache = SqliteCacheMode.Private,
            Pooling = false,
        };
        string writerConnectionString = builder.ToString();
        builder.Pooling = true;
        string readerConnectionString = builder.ToString();

        var writer = new SqliteConnection(writerConnectionString);
        try
        {
            writer.Open();
            SqliteSchema.Initialise(writer, full);
        }
        catch (SqliteException e)
        {
            writer.Dispose();
            throw new CredentialStoreException($"cannot open credential database {full}: {e.Message}", e);
        }
        catch
        {
            writer.Dispose();
            throw;
        }
        return new SqliteCredentialStore(full, writer, readerConnectionString, keyring, log, clock ?? TimeProvider.System);
    }

    public Task<StoredCredential> PutAsync(StoredCredential credential, CancellationToken cancel = default)
    {
        var (sealedData, updated) = CredentialSealing.SealForWrite(credential, keyring(), time, cancel);
        return writes.Enqueue(context =>
        {
            long version = context.NextVersion();
            context.Upsert(credential, sealedData, version, updated);
            return credential with { Version = version, Uploaded = CredentialSealing.FromUnix(updated) };
        }, cancel);
    }

    public Task<bool> ReplaceIfUnchangedAsync(StoredCredential renewed, long expectedVersion, CancellationToken cancel = default)
    {
        var (sealedData, updated) = CredentialSealing.SealForWrite(renewed, keyring(), time, cancel);
        return writes.Enqueue(context =>
        {
            // Take a version only if the row matches, so a failed CAS costs nothing.
            if (context.CurrentVersion(renewed.Uid) != expectedVersion)
                return false;
            return context.Update(renewed, sealedData, context.NextVersion(), updated, expectedVersion);
        }, cancel);
    }

    public Task<bool> RemoveAsync(uint uid, CancellationToken cancel = default)
    {
        cancel.ThrowIfCancellationRequested();
        return writes.Enqueue(context => context.Delete(uid, null), cancel);
    }

    public Task<bool> RemoveIfUnchangedAsync(uint uid, long expectedVersion, CancellationToken cancel = default)
    {
        cancel.ThrowIfCancellationRequested();
        return writes.Enqueue(context => context.Delete(uid, expectedVersion), cancel);
    }

    public Task<StoredCredential?> GetAsync(uint uid, CancellationToken cancel = default)
    {
        cancel.ThrowIfCancellationRequested();
        ObjectDisposedException.ThrowIf(Volatile.Read(ref disposed) != 0, this);
        SqliteLookup lookup = lookups.Rent();
        StoredCredential? found;
        try
        {
            lookup.Uid.Value = (long)uid;
            using var reader = lookup.Command.ExecuteReader();
            found = reader.Read() ? CredentialSealing.Unseal(SealedRow.Read(reader), keyring()) : null;
        }
        catch
        {
            // Whatever failed, do not hand this connection to the next get.
            lookup.Dispose();
            throw;
        }
        lookups.Return(lookup);
        return Task.FromResult(found);
    }

    public Task<IReadOnlyList<CredentialSummary>> ListAsync(uint? uid = null, CancellationToken cancel = default)
    {
        cancel.ThrowIfCancellationRequested();
        using var connection = OpenReader();
        using var command = connection.CreateCommand();
        command.CommandText = uid is null
            ? "SELECT uid, principal, start, \"end\", renew_till, flags FROM credentials ORDER BY uid;"
            : "SELECT uid, principal, start, \"end\", renew_till, flags FROM credentials WHERE uid = $uid;";
        if (uid is not null)
            command.Parameters.AddWithValue("$uid", (long)uid.Value);
        var result = new List<CredentialSummary>();
        using var reader = command.ExecuteReader();
        while (reader.Read())
        {
            if ((result.Count & 1023) == 0)
                cancel.ThrowIfCancellationRequested();
            result.Add(new CredentialSummary(
                (uint)reader.GetInt64(0), reader.GetString(1), CredentialSealing.FromUnix(reader.GetInt64(2)), CredentialSealing.FromUnix(reader.GetInt64(3)),
                CredentialSealing.FromUnix(reader.GetInt64(4)), (uint)reader.GetInt64(5)));
        }
        return Task.FromResult<IReadOnlyList<CredentialSummary>>(result);
    }

    /// <summary>
    /// One daemon owns a SQLite file, so a claim holds nothing: it is the next rows in (End, Uid)
    /// order, read through the ("end", rowid) index without a sort.
    /// </summary>
    public Task<RenewalClaim> ClaimDueAsync(DateTimeOffset endBefore, RenewalCursor? after, int limit, CancellationToken cancel = default)
    {
        cancel.ThrowIfCancellationRequested();
        if (limit <= 0)
            return Task.FromResult(RenewalClaim.Empty);
        var rows = new List<SealedRow>();
        using (var connection = OpenReader())
        using (var command = connection.CreateCommand())
        {
            command.CommandText = $"SELECT {Columns} FROM credentials WHERE \"end\" < $before AND (\"end\", uid) > ($after_end, $after_uid) ORDER BY \"end\", uid LIMIT $limit;";
            command.Parameters.AddWithValue("$before", CredentialSealing.ToUnix(endBefore));
            command.Parameters.AddWithValue("$after_end", after is { } a ? CredentialSealing.ToUnix(a.End) : long.MinValue);
            command.Parameters.AddWithValue("$after_uid", after is { } b ? (long)b.Uid : -1L);
            command.Parameters.AddWithValue("$limit", limit);
            using var reader = command.ExecuteReader();
            while (reader.Read())
                rows.Add(SealedRow.Read(reader));
        }
        if (rows.Count == 0)
            return Task.FromResult(RenewalClaim.Empty);
        var next = new RenewalCursor(CredentialSealing.FromUnix(rows[^1].End), rows[^1].Uid);
        return Task.FromResult(new RenewalClaim(CredentialSealing.UnsealForRenewal(rows, keyring(), log), next));
    }

    public Task<IReadOnlyDictionary<string, int>> KeyUsageAsync(CancellationToken cancel = default)
    {
        cancel.ThrowIfCancellationRequested();
        using var connection = OpenReader();
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT key_id, COUNT(*) FROM credentials GROUP BY key_id;";
        var usage = new Dictionary<string, int>(StringComparer.Ordinal);
        using var reader = command.ExecuteReader();
        while (reader.Read())
            usage[reader.GetString(0)] = (int)reader.GetInt64(1);
        return Task.FromResult<IReadOnlyDictionary<string, int>>(usage);
    }

    public Task<IReadOnlyList<UploadRecord>> ListUploadsAsync(CancellationToken cancel = default)
    {
        cancel.ThrowIfCancellationRequested();
        using var connection = OpenReader();
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT uid, uploaded, keep, version FROM credentials ORDER BY uid;";
        var result = new List<UploadRecord>();
        using var reader = command.ExecuteReader();
        while (reader.Read())
        {
            if ((result.Count & 1023) == 0)
                cancel.ThrowIfCancellationRequested();
            result.Add(new UploadRecord((uint)reader.GetInt64(0), CredentialSealing.FromUnix(reader.GetInt64(1)), reader.GetInt64(2) != 0, reader.GetInt64(3)));
        }
        return Task.FromResult<IReadOnlyList<UploadRecord>>(result);
    }

    public Task<int> CountAsync(CancellationToken cancel = default)
    {
        cancel.ThrowIfCancellationRequested();
        using var connection = OpenReader();
        return Task.FromResult((int)Scalar<long>(connection, "SELECT COUNT(*) FROM credentials;"));
    }

    /// <summary>Re-encrypts in batches (see <see cref="SqliteReencryption"/>); gets read on while each batch commits.</summary>
    public Task<int> ReencryptAllAsync(CancellationToken cancel = default) =>
        SqliteReencryption.RunAsync(keyring(), OpenReader, writes, cancel);

    private SqliteConnection OpenReader()
    {
        ObjectDisposedException.ThrowIf(Volatile.Read(ref disposed) != 0, this);
        var connection = new SqliteConnection(readerConnectionString);
        connection.Open();
        return connection;
    }

    public void Dispose()
    {
        if (Interlocked.Exchange(ref disposed, 1) != 0)
            return;
        // Queued writes still run: their callers are waiting for an answer.
        writes.Dispose();
        // No reader of ours stays open past the final checkpoint.
        lookups.Dispose();
        try
        {
            // Fold the WAL back in so the database is one self-contained file at rest.
            Execute(writer, "PRAGMA wal_checkpoint(TRUNCATE);");
        }
        catch (SqliteException e)
        {
            log?.Warning($"credential database checkpoint at close failed: {e.Message}");
        }
        writer.Dispose();
        using (var pooled = new SqliteConnection(readerConnectionString))
            SqliteConnection.ClearPool(pooled);
    }
}
