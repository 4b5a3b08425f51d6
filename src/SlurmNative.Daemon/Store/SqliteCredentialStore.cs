using System.Buffers.Binary;
using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Text;
using Microsoft.Data.Sqlite;
using SlurmNative.Credentials.Protocol;
using SlurmNative.Daemon.Crypto;
using SlurmNative.Daemon.Logging;

namespace SlurmNative.Daemon.Store;

/// <summary>
/// Credentials in one SQLite table, one row per UID, tickets sealed with AES-256-GCM.
/// WAL with synchronous=FULL makes a commit durable when it returns, so a write is
/// acknowledged only after its fsync and a crash at any point leaves a readable database.
/// All writes go through one thread (SQLite allows one writer); writes that arrive while a
/// commit is in flight are committed together in the next transaction, so concurrent
/// uploads share an fsync instead of queueing for one each. Reads use their own pooled
/// connections and run alongside the writer.
/// </summary>
public sealed class SqliteCredentialStore : ICredentialStore
{
    // Large enough that a burst shares one fsync, small enough that one transaction stays short.
    private const int MaxBatch = 256;
    private const int ReencryptBatch = 256;
    private const int SchemaVersion = 2;

    private const UnixFileMode GroupOrOther = UnixFileMode.GroupRead | UnixFileMode.GroupWrite | UnixFileMode.GroupExecute
        | UnixFileMode.OtherRead | UnixFileMode.OtherWrite | UnixFileMode.OtherExecute;

    private const string Columns = "uid, principal, start, \"end\", renew_till, flags, key_id, nonce, ciphertext, version, keep, uploaded";

    // More than the daemon's request threads ever use at once; the rest are closed.
    private const int MaxIdleLookups = 32;

    private readonly string readerConnectionString;
    private readonly string lookupConnectionString;
    private readonly ConcurrentBag<Lookup> idleLookups = new();
    private int idleLookupCount;
    private readonly Func<Keyring> keyring;
    private readonly IDaemonLog? log;
    private readonly TimeProvider time;
    private readonly SqliteConnection writer;
    private readonly BlockingCollection<WriteOp> queue = new();
    private readonly Thread writerThread;
    private int disposed;

    public string Path { get; }

    private SqliteCredentialStore(string path, SqliteConnection writer, string readerConnectionString, Func<Keyring> keyring, IDaemonLog? log, TimeProvider time)
    {
        Path = path;
        this.writer = writer;
        this.readerConnectionString = readerConnectionString;
        // The lookups are pooled here, with their prepared statement; the generic pool would add nothing.
        lookupConnectionString = new SqliteConnectionStringBuilder(readerConnectionString) { Pooling = false }.ToString();
        this.keyring = keyring;
        this.log = log;
        this.time = time;
        writerThread = new Thread(WriterLoop) { IsBackground = true, Name = "credential-store-writer" };
        writerThread.Start();
    }

    public static SqliteCredentialStore Open(string path, Keyring keyring, IDaemonLog? log = null, TimeProvider? clock = null)
    {
        ArgumentNullException.ThrowIfNull(keyring);
        return Open(path, () => keyring, log, clock);
    }

    /// <summary>Opens or creates the database (mode 0600).</summary>
    /// <param name="keyring">asked on every operation, so a reloaded key file takes effect without reopening.</param>
    public static SqliteCredentialStore Open(string path, Func<Keyring> keyring, IDaemonLog? log = null, TimeProvider? clock = null)
    {
        ArgumentNullException.ThrowIfNull(keyring);
        string full = System.IO.Path.GetFullPath(path);
        PrepareFile(full);
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
            Initialise(writer, full);
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

    private static void PrepareFile(string full)
    {
        if (new FileInfo(full).LinkTarget is not null)
            throw new CredentialStoreException($"credential database {full} is a symbolic link: refusing it; point the configuration at the real file");
        if (!Directory.Exists(System.IO.Path.GetDirectoryName(full)))
            throw new CredentialStoreException($"directory of credential database {full} does not exist: create it (owned by the daemon's user, mode 0700)");
        try
        {
            // Created here rather than by SQLite so it never exists with umask permissions;
            // SQLite gives the -wal and -shm files the database file's mode.
            using var _ = new FileStream(full, new FileStreamOptions
            {
                Mode = FileMode.CreateNew,
                Access = FileAccess.Write,
                UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite,
            });
        }
        catch (IOException) when (File.Exists(full))
        {
        }
        foreach (string file in new[] { full, full + "-wal", full + "-shm" })
        {
            if (!File.Exists(file))
                continue;
            UnixFileMode mode = File.GetUnixFileMode(file);
            if ((mode & GroupOrOther) != 0)
                throw new CredentialStoreException($"{file} is accessible to group or others (mode {Convert.ToString((int)mode, 8)}): run 'chmod 600 {file}'");
        }
    }

    private static void Initialise(SqliteConnection connection, string full)
    {
        string journal = Scalar<string>(connection, "PRAGMA journal_mode=WAL;");
        if (!string.Equals(journal, "wal", StringComparison.OrdinalIgnoreCase))
            throw new CredentialStoreException($"credential database {full} cannot use WAL mode (got '{journal}'); is it on a network file system?");
        // FULL: the WAL is fsync'd at every commit, so a commit that returned survives power loss.
        // secure_delete: removed or re-encrypted ciphertexts do not linger in free pages.
        Execute(connection, "PRAGMA synchronous=FULL; PRAGMA secure_delete=ON; PRAGMA foreign_keys=OFF;");

        long version = Scalar<long>(connection, "PRAGMA user_version;");
        if (version > SchemaVersion)
            throw new CredentialStoreException($"credential database {full} has schema version {version}, newer than this daemon understands ({SchemaVersion}); upgrade the daemon");

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
        Execute(connection, $"PRAGMA user_version={SchemaVersion};", transaction);
        transaction.Commit();
    }

    public Task<StoredCredential> PutAsync(StoredCredential credential, CancellationToken cancel = default)
    {
        Validate(credential);
        cancel.ThrowIfCancellationRequested();
        SealedData sealedData = Seal(credential);
        long updated = time.GetUtcNow().ToUnixTimeSeconds();
        return Enqueue(context =>
        {
            long version = context.NextVersion();
            context.Upsert(credential, sealedData, version, updated);
            return credential with { Version = version, Uploaded = FromUnix(updated) };
        }, cancel);
    }

    public Task<bool> ReplaceIfUnchangedAsync(StoredCredential renewed, long expectedVersion, CancellationToken cancel = default)
    {
        Validate(renewed);
        cancel.ThrowIfCancellationRequested();
        SealedData sealedData = Seal(renewed);
        long updated = time.GetUtcNow().ToUnixTimeSeconds();
        return Enqueue(context =>
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
        return Enqueue(context => context.Delete(uid, null), cancel);
    }

    public Task<bool> RemoveIfUnchangedAsync(uint uid, long expectedVersion, CancellationToken cancel = default)
    {
        cancel.ThrowIfCancellationRequested();
        return Enqueue(context => context.Delete(uid, expectedVersion), cancel);
    }

    public Task<StoredCredential?> GetAsync(uint uid, CancellationToken cancel = default)
    {
        cancel.ThrowIfCancellationRequested();
        Lookup lookup = RentLookup();
        StoredCredential? found;
        try
        {
            lookup.Uid.Value = (long)uid;
            using var reader = lookup.Command.ExecuteReader();
            found = reader.Read() ? Unseal(reader, keyring()) : null;
        }
        catch
        {
            // Whatever failed, do not hand this connection to the next get.
            lookup.Dispose();
            throw;
        }
        ReturnLookup(lookup);
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
                (uint)reader.GetInt64(0), reader.GetString(1), FromUnix(reader.GetInt64(2)), FromUnix(reader.GetInt64(3)),
                FromUnix(reader.GetInt64(4)), (uint)reader.GetInt64(5)));
        }
        return Task.FromResult<IReadOnlyList<CredentialSummary>>(result);
    }

    public Task<IReadOnlyList<StoredCredential>> DueForRenewalAsync(DateTimeOffset endBefore, int limit, CancellationToken cancel = default)
    {
        cancel.ThrowIfCancellationRequested();
        var result = new List<StoredCredential>();
        if (limit <= 0)
            return Task.FromResult<IReadOnlyList<StoredCredential>>(result);
        Keyring keys = keyring();
        using var connection = OpenReader();
        using var command = connection.CreateCommand();
        // No LIMIT: rows that cannot be decrypted are skipped, and must not crowd out
        // renewable ones behind them. The index on ("end", rowid) gives this order without a sort.
        command.CommandText = $"SELECT {Columns} FROM credentials WHERE \"end\" < $before ORDER BY \"end\", uid;";
        command.Parameters.AddWithValue("$before", endBefore.ToUnixTimeSeconds());
        using var reader = command.ExecuteReader();
        while (result.Count < limit && reader.Read())
        {
            cancel.ThrowIfCancellationRequested();
            try
            {
                result.Add(Unseal(reader, keys));
            }
            catch (CredentialStoreException e)
            {
                log?.Warning($"not renewing: {e.Message}");
            }
        }
        return Task.FromResult<IReadOnlyList<StoredCredential>>(result);
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
            result.Add(new UploadRecord((uint)reader.GetInt64(0), FromUnix(reader.GetInt64(1)), reader.GetInt64(2) != 0, reader.GetInt64(3)));
        }
        return Task.FromResult<IReadOnlyList<UploadRecord>>(result);
    }

    public Task<int> CountAsync(CancellationToken cancel = default)
    {
        cancel.ThrowIfCancellationRequested();
        using var connection = OpenReader();
        return Task.FromResult((int)Scalar<long>(connection, "SELECT COUNT(*) FROM credentials;"));
    }

    /// <summary>
    /// Moves every record not yet under the first key onto it, a batch at a time. Keeps each
    /// record's Version: the credential did not change, so an in-flight renewal of it is still
    /// valid, and a record rewritten meanwhile (already under the new key) is left alone.
    /// </summary>
    public async Task<int> ReencryptAllAsync(CancellationToken cancel = default)
    {
        Keyring keys = keyring();
        string primary = keys.PrimaryKeyId;
        int rewritten = 0;
        var failed = new List<string>();
        int failures = 0;
        long after = -1;
        while (true)
        {
            cancel.ThrowIfCancellationRequested();
            var batch = new List<(uint Uid, long Version, string OldKey, SealedData Sealed)>(ReencryptBatch);
            int seen = 0;
            using (var connection = OpenReader())
            using (var command = connection.CreateCommand())
            {
                command.CommandText = $"SELECT {Columns} FROM credentials WHERE uid > $after AND key_id <> $primary ORDER BY uid LIMIT {ReencryptBatch};";
                command.Parameters.AddWithValue("$after", after);
                command.Parameters.AddWithValue("$primary", primary);
                using var reader = command.ExecuteReader();
                while (reader.Read())
                {
                    seen++;
                    uint uid = (uint)reader.GetInt64(0);
                    after = uid;
                    StoredCredential plain;
                    try
                    {
                        plain = Unseal(reader, keys);
                    }
                    catch (CredentialStoreException e)
                    {
                        failures++;
                        if (failed.Count < 10)
                            failed.Add(e.Message);
                        continue;
                    }
                    SealedData resealed = keys.Encrypt(plain.Ticket, AssociatedData(plain.Uid, plain.Principal));
                    CryptographicOperations.ZeroMemory(plain.Ticket);
                    batch.Add((uid, plain.Version, reader.GetString(6), resealed));
                }
            }
            if (batch.Count > 0)
            {
                rewritten += await Enqueue(context =>
                {
                    int count = 0;
                    foreach (var item in batch)
                        count += context.Reseal(item.Uid, item.Version, item.OldKey, item.Sealed) ? 1 : 0;
                    return count;
                }, cancel).ConfigureAwait(false);
            }
            if (seen < ReencryptBatch)
                break;
        }
        if (failures > 0)
            throw new CredentialStoreException($"re-encrypted {rewritten} credentials, but {failures} could not be decrypted and still use their old keys: {string.Join("; ", failed)}");
        return rewritten;
    }

    private static void Validate(StoredCredential credential)
    {
        ArgumentNullException.ThrowIfNull(credential);
        ArgumentNullException.ThrowIfNull(credential.Ticket, nameof(credential));
        ArgumentException.ThrowIfNullOrEmpty(credential.Principal, nameof(credential));
    }

    private SealedData Seal(StoredCredential credential) =>
        keyring().Encrypt(credential.Ticket, AssociatedData(credential.Uid, credential.Principal));

    /// <summary>Reads a row selected with <see cref="Columns"/> and decrypts its ticket.</summary>
    private static StoredCredential Unseal(SqliteDataReader reader, Keyring keys)
    {
        uint uid = (uint)reader.GetInt64(0);
        string principal = reader.GetString(1);
        var sealedData = new SealedData(reader.GetString(6), reader.GetFieldValue<byte[]>(7), reader.GetFieldValue<byte[]>(8));
        byte[] ticket;
        try
        {
            ticket = keys.Decrypt(sealedData, AssociatedData(uid, principal));
        }
        catch (KeyringException e)
        {
            throw new CredentialStoreException($"stored credential of uid {uid} cannot be decrypted: {e.Message}", e);
        }
        return new StoredCredential(uid, principal, FromUnix(reader.GetInt64(2)), FromUnix(reader.GetInt64(3)),
            FromUnix(reader.GetInt64(4)), (uint)reader.GetInt64(5), ticket, reader.GetInt64(9))
        {
            Keep = reader.GetInt64(10) != 0,
            Uploaded = FromUnix(reader.GetInt64(11)),
        };
    }

    /// <summary>
    /// Associated data binding a sealed ticket to its row: decrypting with another row's
    /// uid or principal fails, so blobs cannot be swapped between users in the database.
    /// </summary>
    internal static byte[] AssociatedData(uint uid, string principal)
    {
        byte[] label = "slurmnative-credential-v1\0"u8.ToArray();
        int principalBytes = Encoding.UTF8.GetByteCount(principal);
        byte[] data = new byte[label.Length + 4 + principalBytes];
        label.CopyTo(data, 0);
        BinaryPrimitives.WriteUInt32BigEndian(data.AsSpan(label.Length), uid);
        Encoding.UTF8.GetBytes(principal, data.AsSpan(label.Length + 4));
        return data;
    }

    private static DateTimeOffset FromUnix(long seconds) => DateTimeOffset.FromUnixTimeSeconds(seconds);

    /// <summary>
    /// A reader connection with the by-uid lookup prepared on it. Every get runs that one
    /// statement: preparing it each time (parse, plan) and taking a connection from the
    /// generic pool cost more than the lookup itself.
    /// </summary>
    private sealed class Lookup : IDisposable
    {
        public SqliteConnection Connection { get; }
        public SqliteCommand Command { get; }
        public SqliteParameter Uid { get; }

        public Lookup(string connectionString)
        {
            Connection = new SqliteConnection(connectionString);
            try
            {
                Connection.Open();
                Command = Connection.CreateCommand();
                Command.CommandText = $"SELECT {Columns} FROM credentials WHERE uid = $uid;";
                Uid = Command.Parameters.Add("$uid", SqliteType.Integer);
                Command.Prepare();
            }
            catch
            {
                Connection.Dispose();
                throw;
            }
        }

        public void Dispose()
        {
            Command.Dispose();
            Connection.Dispose();
        }
    }

    private Lookup RentLookup()
    {
        ObjectDisposedException.ThrowIf(Volatile.Read(ref disposed) != 0, this);
        if (idleLookups.TryTake(out Lookup? lookup))
        {
            Interlocked.Decrement(ref idleLookupCount);
            return lookup;
        }
        return new Lookup(lookupConnectionString);
    }

    private void ReturnLookup(Lookup lookup)
    {
        // ConcurrentBag.Count locks every thread's list: keep a count of our own.
        if (Volatile.Read(ref disposed) == 0 && Volatile.Read(ref idleLookupCount) < MaxIdleLookups)
        {
            Interlocked.Increment(ref idleLookupCount);
            idleLookups.Add(lookup);
            // Dispose may have drained the bag between the check and the add.
            if (Volatile.Read(ref disposed) == 0)
                return;
        }
        else
        {
            lookup.Dispose();
        }
        DisposeIdleLookups();
    }

    private void DisposeIdleLookups()
    {
        while (idleLookups.TryTake(out Lookup? lookup))
        {
            Interlocked.Decrement(ref idleLookupCount);
            lookup.Dispose();
        }
    }

    private SqliteConnection OpenReader()
    {
        ObjectDisposedException.ThrowIf(Volatile.Read(ref disposed) != 0, this);
        var connection = new SqliteConnection(readerConnectionString);
        connection.Open();
        return connection;
    }

    private Task<T> Enqueue<T>(Func<WriteContext, T> body, CancellationToken cancel)
    {
        var op = new WriteOp<T>(body, cancel);
        try
        {
            queue.Add(op, CancellationToken.None);
        }
        catch (InvalidOperationException)
        {
            throw new ObjectDisposedException(nameof(SqliteCredentialStore));
        }
        return op.Task;
    }

    private void WriterLoop()
    {
        using var context = new WriteContext(writer);
        var batch = new List<WriteOp>(MaxBatch);
        while (queue.TryTake(out WriteOp? first, Timeout.Infinite))
        {
            batch.Clear();
            batch.Add(first);
            while (batch.Count < MaxBatch && queue.TryTake(out WriteOp? next))
                batch.Add(next);
            batch.RemoveAll(op => op.CancelIfRequested());
            if (batch.Count == 0)
                continue;
            if (!TryCommit(context, batch))
            {
                // Something in the batch failed: run each op on its own, so one bad write
                // fails alone instead of taking its neighbours' acknowledgements with it.
                foreach (WriteOp op in batch)
                    TryCommit(context, [op]);
            }
        }
    }

    /// <summary>Runs the ops in one transaction; completes them only after the commit (and its fsync) returned.</summary>
    private static bool TryCommit(WriteContext context, List<WriteOp> ops)
    {
        try
        {
            context.Begin();
            foreach (WriteOp op in ops)
                op.Run(context);
            context.Commit();
        }
        catch (Exception e)
        {
            context.Rollback();
            if (ops.Count == 1)
                ops[0].Fail(Describe(e));
            return false;
        }
        foreach (WriteOp op in ops)
            op.Complete();
        return true;
    }

    private static Exception Describe(Exception e) => e is SqliteException sqlite
        ? new CredentialStoreException($"credential database write failed: {sqlite.Message}", sqlite)
        : e;

    private static T Scalar<T>(SqliteConnection connection, string sql)
    {
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        return (T)Convert.ChangeType(command.ExecuteScalar()!, typeof(T), System.Globalization.CultureInfo.InvariantCulture);
    }

    private static void Execute(SqliteConnection connection, string sql, SqliteTransaction? transaction = null)
    {
        using var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = sql;
        command.ExecuteNonQuery();
    }

    public void Dispose()
    {
        if (Interlocked.Exchange(ref disposed, 1) != 0)
            return;
        // Queued writes still run: their callers are waiting for an answer.
        queue.CompleteAdding();
        writerThread.Join();
        // No reader of ours stays open past the final checkpoint.
        DisposeIdleLookups();
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
        queue.Dispose();
    }

    private abstract class WriteOp
    {
        public abstract void Run(WriteContext context);
        public abstract void Complete();
        public abstract void Fail(Exception e);
        public abstract bool CancelIfRequested();
    }

    private sealed class WriteOp<T>(Func<WriteContext, T> body, CancellationToken cancel) : WriteOp
    {
        private readonly TaskCompletionSource<T> completion = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private T? result;

        public Task<T> Task => completion.Task;

        public override void Run(WriteContext context) => result = body(context);
        public override void Complete() => completion.TrySetResult(result!);
        public override void Fail(Exception e) => completion.TrySetException(e);

        // Only before the write starts: once committed, the caller must hear that it happened.
        public override bool CancelIfRequested() => cancel.IsCancellationRequested && completion.TrySetCanceled(cancel);
    }

    /// <summary>The writer thread's connection, transaction and prepared statements.</summary>
    private sealed class WriteContext : IDisposable
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

        public WriteContext(SqliteConnection connection)
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
}
