using System.Data.Common;
using System.Globalization;
using Npgsql;
using SlurmNative.Credentials.SecretFiles;
using SlurmNative.Credentials.Protocol;
using SlurmNative.Store.Keys;
using SlurmNative.Store.Sealing;

namespace SlurmNative.Store.Postgres;

/// <summary>
/// Credentials in a PostgreSQL database that several daemons share: one row per UID, tickets
/// sealed with AES-256-GCM by the daemon before they leave it (the database sees neither a
/// ticket nor a key). Every write is one autocommitted statement, so an upload is acknowledged
/// once PostgreSQL has made it durable, and any daemon reads it at once. Versions come from a
/// shared sequence, so a renewal on one daemon never overwrites an upload through another.
/// The renewers of all daemons share the due rows through session advisory locks: a row is
/// renewed by the daemon holding its lock, and the lock goes with the session of a daemon that
/// dies, so its rows are free for the others' next pass.
/// </summary>
public sealed class PostgresCredentialStore : ICredentialStore
{
    private const int ReencryptBatch = 256;

    // One advisory-lock key per uid, in a range of its own: "snr" followed by the uid.
    internal const long RenewLockBase = 0x736E_7200_0000_0000;

    // A password file holds one line; anything much larger is the wrong file.
    private const int MaxPasswordFileBytes = 4096;

    private const string Columns = SealedRow.Columns;

    private readonly NpgsqlDataSource source;

    /// <summary>
    /// One slot per pooled connection. Waiting for a connection inside Npgsql counts against the
    /// connect timeout, meant for a dead server; a burst of requests waits here instead, for as long
    /// as each request's own deadline allows.
    /// </summary>
    private readonly SemaphoreSlim connections;
    private readonly Func<Keyring> keyring;
    private readonly SharedReads<uint, SealedRow?> lookups;
    private readonly IStoreLog? log;
    private readonly TimeProvider time;
    private int disposed;

    /// <summary>When the pool was last emptied (Environment.TickCount64), so that a burst of failures empties it once.</summary>
    private long lastCleared;

    public string Description { get; }

    private PostgresCredentialStore(NpgsqlDataSource source, int poolSize, string description, Func<Keyring> keyring, IStoreLog? log, TimeProvider time)
    {
        this.source = source;
        connections = new SemaphoreSlim(poolSize, poolSize);
        lookups = new SharedReads<uint, SealedRow?>(ReadRowAsync);
        Description = description;
        this.keyring = keyring;
        this.log = log;
        this.time = time;
    }

    /// <summary>Connects, checks that commits are durable, and creates or migrates the tables.</summary>
    /// <param name="connectionString">Npgsql's Key=Value;... form, without a password.</param>
    /// <param name="passwordFile">the file holding the password (mode 0600, owned by the daemon's user), or null.</param>
    /// <param name="keyring">asked on every operation, so a reloaded key file takes effect without reopening.</param>
    /// <exception cref="CredentialStoreException">a bad connection string, an unusable password file, a newer schema, commits that are not durable.</exception>
    /// <exception cref="StoreUnavailableException">the database cannot be reached.</exception>
    public static PostgresCredentialStore Open(string connectionString, string? passwordFile, Func<Keyring> keyring, IStoreLog? log = null, TimeProvider? clock = null)
    {
        ArgumentNullException.ThrowIfNull(keyring);
        NpgsqlConnectionStringBuilder settings = Settings(connectionString, passwordFile);
        string description = Describe(settings);
        NpgsqlDataSource source = new NpgsqlDataSourceBuilder(settings.ConnectionString).Build();
        try
        {
            using NpgsqlConnection connection = source.OpenConnection();
            PostgresSchema.RequireDurableCommits(connection, description);
            int found = PostgresSchema.Migrate(connection, description);
            if (found < PostgresSchema.Version)
                log?.Info($"{description}: schema migrated from version {found} to {PostgresSchema.Version}");
        }
        catch (Exception e)
        {
            source.Dispose();
            if (e is NpgsqlException npgsql)
                throw Translate(npgsql, $"opening {description}");
            throw;
        }
        return new PostgresCredentialStore(source, settings.MaxPoolSize, description, keyring, log, clock ?? TimeProvider.System);
    }

    /// <summary>
    /// The connection string as given, plus the password from its file and the settings a daemon
    /// needs unless the site chose otherwise: a short connect timeout (a dead server must not hold
    /// a job start), a modest pool, prepared lookups, and a name PostgreSQL's views show. TLS settings (SSL Mode,
    /// Root Certificate, ...) pass through untouched.
    /// </summary>
    internal static NpgsqlConnectionStringBuilder Settings(string connectionString, string? passwordFile)
    {
        NpgsqlConnectionStringBuilder settings;
        var given = new HashSet<string>(StringComparer.Ordinal);
        try
        {
            var raw = new DbConnectionStringBuilder { ConnectionString = connectionString };
            foreach (string key in raw.Keys)
                given.Add(key.Replace(" ", "", StringComparison.Ordinal).ToLowerInvariant());
            settings = new NpgsqlConnectionStringBuilder(connectionString);
        }
        catch (ArgumentException e)
        {
            throw new CredentialStoreException($"store = postgresql:{connectionString} is not a valid connection string: {e.Message}; write it as Host=...;Database=...;Username=...", e);
        }
        if (given.Contains("password") || given.Contains("pwd") || given.Contains("psw"))
            throw new CredentialStoreException("the 'store' connection string contains a password, which anyone who reads slurmnative.conf (every node has it) would learn: remove Password=... and put the password in a file named by store_password_file (mode 0600, owned by the daemon's user)");
        if (passwordFile is not null)
        {
            try
            {
                settings.Password = SecretFile.ReadText(passwordFile, SecretFileRules.PrivateTo(Interop.Libc.geteuid()), "store password file", MaxPasswordFileBytes,
                    "create it (mode 0600, owned by the daemon's user) holding the database password on one line").TrimEnd('\r', '\n');
            }
            catch (SecretFileException e)
            {
                throw new CredentialStoreException(e.Message, e);
            }
        }
        if (!given.Contains("timeout"))
            settings.Timeout = 3;
        if (!given.Contains("commandtimeout"))
            settings.CommandTimeout = 10;
        // Each new connection costs the server a process and a SCRAM exchange; a burst that opened
        // Npgsql's default hundred at once timed out connecting on two cores, and a lookup takes a
        // fraction of a millisecond, so a few dozen connections serve any burst.
        if (!given.Contains("maxpoolsize") && !given.Contains("maximumpoolsize"))
            settings.MaxPoolSize = 24;
        if (!given.Contains("maxautoprepare"))
            settings.MaxAutoPrepare = 16;
        if (!given.Contains("applicationname"))
            settings.ApplicationName = "slurmnatived";
        return settings;
    }

    private static string Describe(NpgsqlConnectionStringBuilder settings) =>
        $"PostgreSQL database {settings.Database ?? settings.Username} on {settings.Host}:{settings.Port.ToString(CultureInfo.InvariantCulture)} as {settings.Username}";

    /// <summary>
    /// A server or network failure becomes <see cref="StoreUnavailableException"/>: nothing was
    /// done, and another daemon or a later try may succeed. Anything PostgreSQL itself refused
    /// (permissions, constraints) is a <see cref="CredentialStoreException"/> with its message.
    /// </summary>
    private static Exception Translate(NpgsqlException e, string action) => IsUnavailable(e)
        ? new StoreUnavailableException($"store unavailable: {action} failed: {e.Message}", e)
        : new CredentialStoreException($"credential database: {action} failed: {e.Message}", e);

    private static bool IsUnavailable(NpgsqlException e) => e is not PostgresException server
        || server.IsTransient
        || server.SqlState.StartsWith("08", StringComparison.Ordinal)    // connection exceptions
        || server.SqlState.StartsWith("57P", StringComparison.Ordinal)   // shutting down, starting up
        || server.SqlState == PostgresErrorCodes.TooManyConnections;

    /// <summary>
    /// Runs <paramref name="body"/> on a pooled connection. After a server restart every idle pooled
    /// connection is dead, and only using one shows it: when that happens the pool is emptied and the
    /// body runs once more on a new connection, so the daemon reconnects by itself. Every body here is
    /// safe to run twice (an upsert, a compare-and-swap, a read).
    /// </summary>
    private async Task<T> RunAsync<T>(string action, Func<NpgsqlConnection, Task<T>> body, CancellationToken cancel)
    {
        ObjectDisposedException.ThrowIf(Volatile.Read(ref disposed) != 0, this);
        await connections.WaitAsync(cancel).ConfigureAwait(false);
        try
        {
            for (int attempt = 0; ; attempt++)
            {
                NpgsqlConnection connection = await OpenAsync(action, cancel).ConfigureAwait(false);
                await using (connection.ConfigureAwait(false))
                {
                    try
                    {
                        return await body(connection).ConfigureAwait(false);
                    }
                    catch (NpgsqlException e) when (attempt == 0 && IsUnavailable(e) && !cancel.IsCancellationRequested)
                    {
                        ClearPoolOnce();
                    }
                    catch (NpgsqlException e)
                    {
                        throw Translate(e, action);
                    }
                }
            }
        }
        finally
        {
            connections.Release();
        }
    }

    /// <summary>
    /// Empties the pool, unless that was done a moment ago: emptying also closes the connections
    /// opened since, and under load every request that met a dead connection would empty it again,
    /// so that the daemon would never keep a live one.
    /// </summary>
    private void ClearPoolOnce()
    {
        long now = Environment.TickCount64;
        long last = Volatile.Read(ref lastCleared);
        if (now - last > 1000 && Interlocked.CompareExchange(ref lastCleared, now, last) == last)
            source.Clear();
    }

    private async Task<NpgsqlConnection> OpenAsync(string action, CancellationToken cancel)
    {
        try
        {
            return await source.OpenConnectionAsync(cancel).ConfigureAwait(false);
        }
        catch (NpgsqlException e)
        {
            throw Translate(e, action);
        }
    }

    private static NpgsqlCommand Command(NpgsqlConnection connection, string sql, params NpgsqlParameter[] parameters)
    {
        var command = new NpgsqlCommand(sql, connection);
        command.Parameters.AddRange(parameters);
        return command;
    }

    private static NpgsqlParameter<T> Value<T>(T value) => new() { TypedValue = value };

    private static NpgsqlParameter[] RowValues(StoredCredential credential, SealedData sealedData, long updated) =>
    [
        Value((long)credential.Uid), Value(credential.Principal), Value(CredentialSealing.ToUnix(credential.Start)), Value(CredentialSealing.ToUnix(credential.End)),
        Value(CredentialSealing.ToUnix(credential.RenewTill)), Value((long)credential.Flags), Value(sealedData.KeyId), Value(sealedData.Nonce),
        Value(sealedData.CiphertextAndTag), Value(updated),
    ];

    public Task<StoredCredential> PutAsync(StoredCredential credential, CancellationToken cancel = default)
    {
        var (sealedData, updated) = CredentialSealing.SealForWrite(credential, keyring(), time, cancel);
        return RunAsync("storing a credential", async connection =>
        {
            await using NpgsqlCommand command = Command(connection, """
                INSERT INTO credentials (uid, principal, start, "end", renew_till, flags, key_id, nonce, ciphertext, updated, version, keep, uploaded)
                VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, nextval('credential_versions'), $11, $10)
                ON CONFLICT (uid) DO UPDATE SET principal = excluded.principal, start = excluded.start, "end" = excluded."end",
                    renew_till = excluded.renew_till, flags = excluded.flags, key_id = excluded.key_id, nonce = excluded.nonce,
                    ciphertext = excluded.ciphertext, updated = excluded.updated, version = excluded.version,
                    keep = excluded.keep, uploaded = excluded.uploaded
                RETURNING version;
                """, [.. RowValues(credential, sealedData, updated), Value(credential.Keep)]);
            long version = (long)(await command.ExecuteScalarAsync(cancel).ConfigureAwait(false))!;
            return credential with { Version = version, Uploaded = CredentialSealing.FromUnix(updated) };
        }, cancel);
    }

    public Task<bool> ReplaceIfUnchangedAsync(StoredCredential renewed, long expectedVersion, CancellationToken cancel = default)
    {
        var (sealedData, updated) = CredentialSealing.SealForWrite(renewed, keyring(), time, cancel);
        return RunAsync("replacing a renewed credential", async connection =>
        {
            await using NpgsqlCommand command = Command(connection, """
                UPDATE credentials SET principal = $2, start = $3, "end" = $4, renew_till = $5, flags = $6, key_id = $7, nonce = $8,
                    ciphertext = $9, updated = $10, version = nextval('credential_versions')
                WHERE uid = $1 AND version = $11;
                """, [.. RowValues(renewed, sealedData, updated), Value(expectedVersion)]);
            return await command.ExecuteNonQueryAsync(cancel).ConfigureAwait(false) == 1;
        }, cancel);
    }

    public Task<bool> RemoveAsync(uint uid, CancellationToken cancel = default) =>
        RunAsync("removing a credential", async connection =>
        {
            await using NpgsqlCommand command = Command(connection, "DELETE FROM credentials WHERE uid = $1;", Value((long)uid));
            return await command.ExecuteNonQueryAsync(cancel).ConfigureAwait(false) > 0;
        }, cancel);

    public Task<bool> RemoveIfUnchangedAsync(uint uid, long expectedVersion, CancellationToken cancel = default) =>
        RunAsync("removing a credential", async connection =>
        {
            await using NpgsqlCommand command = Command(connection, "DELETE FROM credentials WHERE uid = $1 AND version = $2;", Value((long)uid), Value(expectedVersion));
            return await command.ExecuteNonQueryAsync(cancel).ConfigureAwait(false) > 0;
        }, cancel);

    /// <summary>
    /// Concurrent gets of one uid share a round trip (<see cref="SharedReads{TKey, TValue}"/>); each
    /// caller opens the sealed row itself, so no two callers hold the same plaintext.
    /// </summary>
    public async Task<StoredCredential?> GetAsync(uint uid, CancellationToken cancel = default)
    {
        ObjectDisposedException.ThrowIf(Volatile.Read(ref disposed) != 0, this);
        SealedRow? row = await lookups.ReadAsync(uid, cancel).ConfigureAwait(false);
        return row is null ? null : CredentialSealing.Unseal(row, keyring());
    }

    // Shared by several callers, so bounded by the command timeout rather than by one caller's deadline.
    private Task<SealedRow?> ReadRowAsync(uint uid) => RunAsync("reading a credential", async connection =>
    {
        await using NpgsqlCommand command = Command(connection, $"SELECT {Columns} FROM credentials WHERE uid = $1;", Value((long)uid));
        await using NpgsqlDataReader reader = await command.ExecuteReaderAsync().ConfigureAwait(false);
        return await reader.ReadAsync().ConfigureAwait(false) ? SealedRow.Read(reader) : null;
    }, CancellationToken.None);

    public Task<IReadOnlyList<CredentialSummary>> ListAsync(uint? uid = null, CancellationToken cancel = default) =>
        RunAsync("listing credentials", async connection =>
        {
            await using NpgsqlCommand command = uid is null
                ? Command(connection, "SELECT uid, principal, start, \"end\", renew_till, flags FROM credentials ORDER BY uid;")
                : Command(connection, "SELECT uid, principal, start, \"end\", renew_till, flags FROM credentials WHERE uid = $1;", Value((long)uid.Value));
            await using NpgsqlDataReader reader = await command.ExecuteReaderAsync(cancel).ConfigureAwait(false);
            var result = new List<CredentialSummary>();
            while (await reader.ReadAsync(cancel).ConfigureAwait(false))
            {
                result.Add(new CredentialSummary((uint)reader.GetInt64(0), reader.GetString(1), CredentialSealing.FromUnix(reader.GetInt64(2)),
                    CredentialSealing.FromUnix(reader.GetInt64(3)), CredentialSealing.FromUnix(reader.GetInt64(4)), (uint)reader.GetInt64(5)));
            }
            return (IReadOnlyList<CredentialSummary>)result;
        }, cancel);

    public Task<IReadOnlyList<UploadRecord>> ListUploadsAsync(CancellationToken cancel = default) =>
        RunAsync("listing uploads", async connection =>
        {
            await using NpgsqlCommand command = Command(connection, "SELECT uid, uploaded, keep, version FROM credentials ORDER BY uid;");
            await using NpgsqlDataReader reader = await command.ExecuteReaderAsync(cancel).ConfigureAwait(false);
            var result = new List<UploadRecord>();
            while (await reader.ReadAsync(cancel).ConfigureAwait(false))
                result.Add(new UploadRecord((uint)reader.GetInt64(0), CredentialSealing.FromUnix(reader.GetInt64(1)), reader.GetBoolean(2), reader.GetInt64(3)));
            return (IReadOnlyList<UploadRecord>)result;
        }, cancel);

    public Task<int> CountAsync(CancellationToken cancel = default) =>
        RunAsync("counting credentials", async connection =>
        {
            await using NpgsqlCommand command = Command(connection, "SELECT COUNT(*) FROM credentials;");
            return (int)(long)(await command.ExecuteScalarAsync(cancel).ConfigureAwait(false))!;
        }, cancel);

    public Task<IReadOnlyDictionary<string, int>> KeyUsageAsync(CancellationToken cancel = default) =>
        RunAsync("reading which keys seal the credentials", async connection =>
        {
            await using NpgsqlCommand command = Command(connection, "SELECT key_id, COUNT(*) FROM credentials GROUP BY key_id;");
            await using NpgsqlDataReader reader = await command.ExecuteReaderAsync(cancel).ConfigureAwait(false);
            var usage = new Dictionary<string, int>(StringComparer.Ordinal);
            while (await reader.ReadAsync(cancel).ConfigureAwait(false))
                usage[reader.GetString(0)] = (int)reader.GetInt64(1);
            return (IReadOnlyDictionary<string, int>)usage;
        }, cancel);

    /// <summary>
    /// Takes the session advisory lock of each of the next due rows that no other daemon holds, on
    /// a connection kept for the claim, then reads those rows afresh: a row another daemon renewed
    /// and let go of between the two reads is no longer due, so it is not renewed twice. Disposing
    /// the claim lets go of every lock (and of any taken on rows the first read did not return).
    /// </summary>
    public async Task<RenewalClaim> ClaimDueAsync(DateTimeOffset endBefore, RenewalCursor? after, int limit, CancellationToken cancel = default)
    {
        ObjectDisposedException.ThrowIf(Volatile.Read(ref disposed) != 0, this);
        if (limit <= 0)
            return RenewalClaim.Empty;
        await connections.WaitAsync(cancel).ConfigureAwait(false);
        NpgsqlConnection connection;
        try
        {
            connection = await OpenAsync("claiming credentials to renew", cancel).ConfigureAwait(false);
        }
        catch
        {
            connections.Release();
            throw;
        }
        bool handedOver = false;
        try
        {
            long before = CredentialSealing.ToUnix(endBefore);
            var mine = new List<long>();
            RenewalCursor? next = null;
            await using (NpgsqlCommand command = Command(connection, """
                WITH candidates AS MATERIALIZED (
                    SELECT uid, "end" FROM credentials
                    WHERE "end" < $1 AND ("end", uid) > ($2, $3)
                    ORDER BY "end", uid LIMIT $4)
                SELECT uid, "end", pg_try_advisory_lock($5 + uid) FROM candidates ORDER BY "end", uid;
                """, Value(before), Value(after is { } a ? CredentialSealing.ToUnix(a.End) : long.MinValue), Value(after is { } b ? (long)b.Uid : -1L),
                Value((long)limit), Value(RenewLockBase)))
            await using (NpgsqlDataReader reader = await command.ExecuteReaderAsync(cancel).ConfigureAwait(false))
            {
                while (await reader.ReadAsync(cancel).ConfigureAwait(false))
                {
                    next = new RenewalCursor(CredentialSealing.FromUnix(reader.GetInt64(1)), (uint)reader.GetInt64(0));
                    if (reader.GetBoolean(2))
                        mine.Add(reader.GetInt64(0));
                }
            }
            if (next is null)
                return RenewalClaim.Empty;
            var rows = new List<SealedRow>(mine.Count);
            if (mine.Count > 0)
            {
                await using NpgsqlCommand fresh = Command(connection, $"SELECT {Columns} FROM credentials WHERE uid = ANY($1) AND \"end\" < $2 ORDER BY \"end\", uid;",
                    Value(mine.ToArray()), Value(before));
                await using NpgsqlDataReader reader = await fresh.ExecuteReaderAsync(cancel).ConfigureAwait(false);
                while (await reader.ReadAsync(cancel).ConfigureAwait(false))
                    rows.Add(SealedRow.Read(reader));
            }
            var claim = new RenewalClaim(CredentialSealing.UnsealForRenewal(rows, keyring(), log), next, () => LetGoAsync(connection));
            handedOver = true;
            return claim;
        }
        catch (NpgsqlException e)
        {
            if (IsUnavailable(e))
                ClearPoolOnce();
            throw Translate(e, "claiming credentials to renew");
        }
        finally
        {
            if (!handedOver)
                await LetGoAsync(connection).ConfigureAwait(false);
        }
    }

    /// <summary>Releases the claim's locks before its connection goes back to the pool, where its session lives on.</summary>
    private async ValueTask LetGoAsync(NpgsqlConnection connection)
    {
        try
        {
            await using NpgsqlCommand unlock = Command(connection, "SELECT pg_advisory_unlock_all();");
            await unlock.ExecuteNonQueryAsync().ConfigureAwait(false);
        }
        catch (NpgsqlException e)
        {
            // A broken connection is not pooled again, and its session's locks went with it.
            log?.Debug($"releasing renewal claims on {Description}: {e.Message}");
        }
        finally
        {
            await connection.DisposeAsync().ConfigureAwait(false);
            connections.Release();
        }
    }

    /// <summary>Re-encrypts in batches (see <see cref="CredentialSealing.ReencryptAllAsync"/>); each batch is one short transaction, so gets never wait.</summary>
    public Task<int> ReencryptAllAsync(CancellationToken cancel = default) =>
        CredentialSealing.ReencryptAllAsync(keyring(), ReencryptBatch, (primary, after, count, token) => RunAsync("reading credentials to re-encrypt", async connection =>
        {
            await using NpgsqlCommand command = Command(connection, $"SELECT {Columns} FROM credentials WHERE uid > $1 AND key_id <> $2 ORDER BY uid LIMIT $3;",
                Value(after), Value(primary), Value((long)count));
            await using NpgsqlDataReader reader = await command.ExecuteReaderAsync(token).ConfigureAwait(false);
            var rows = new List<SealedRow>(count);
            while (await reader.ReadAsync(token).ConfigureAwait(false))
                rows.Add(SealedRow.Read(reader));
            return (IReadOnlyList<SealedRow>)rows;
        }, token), (batch, token) => RunAsync("writing re-encrypted credentials", async connection =>
        {
            await using NpgsqlTransaction transaction = await connection.BeginTransactionAsync(token).ConfigureAwait(false);
            await using var statements = new NpgsqlBatch(connection, transaction);
            foreach (ResealedRow item in batch)
            {
                var statement = new NpgsqlBatchCommand("UPDATE credentials SET key_id = $4, nonce = $5, ciphertext = $6 WHERE uid = $1 AND version = $2 AND key_id = $3;");
                foreach (NpgsqlParameter parameter in new NpgsqlParameter[] { Value((long)item.Uid), Value(item.Version), Value(item.OldKey), Value(item.Sealed.KeyId), Value(item.Sealed.Nonce), Value(item.Sealed.CiphertextAndTag) })
                    statement.Parameters.Add(parameter);
                statements.BatchCommands.Add(statement);
            }
            int written = await statements.ExecuteNonQueryAsync(token).ConfigureAwait(false);
            await transaction.CommitAsync(token).ConfigureAwait(false);
            return written;
        }, token), cancel);


    public void Dispose()
    {
        if (Interlocked.Exchange(ref disposed, 1) == 0)
            source.Dispose();
    }

}
