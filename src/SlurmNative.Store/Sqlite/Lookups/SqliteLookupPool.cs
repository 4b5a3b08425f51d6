using System.Collections.Concurrent;
using Microsoft.Data.Sqlite;

namespace SlurmNative.Store.Sqlite.Lookups;

/// <summary>Idle <see cref="SqliteLookup"/>s, kept with their prepared statement; the generic connection pool would add nothing.</summary>
internal sealed class SqliteLookupPool(string readerConnectionString) : IDisposable
{
    // More than the daemon's request threads ever use at once; the rest are closed.
    private const int MaxIdle = 32;

    private readonly string connectionString = new SqliteConnectionStringBuilder(readerConnectionString) { Pooling = false }.ToString();
    private readonly ConcurrentBag<SqliteLookup> idle = new();
    private int idleCount;
    private int disposed;

    public SqliteLookup Rent()
    {
        if (idle.TryTake(out SqliteLookup? lookup))
        {
            Interlocked.Decrement(ref idleCount);
            return lookup;
        }
        return new SqliteLookup(connectionString);
    }

    public void Return(SqliteLookup lookup)
    {
        // ConcurrentBag.Count locks every thread's list: keep a count of our own.
        if (Volatile.Read(ref disposed) == 0 && Volatile.Read(ref idleCount) < MaxIdle)
        {
            Interlocked.Increment(ref idleCount);
            idle.Add(lookup);
            // Dispose may have drained the bag between the check and the add.
            if (Volatile.Read(ref disposed) == 0)
                return;
        }
        else
        {
            lookup.Dispose();
        }
        DisposeIdle();
    }

    /// <summary>Closes every idle lookup; one returned afterwards is closed on return.</summary>
    public void Dispose()
    {
        Volatile.Write(ref disposed, 1);
        DisposeIdle();
    }

    private void DisposeIdle()
    {
        while (idle.TryTake(out SqliteLookup? lookup))
        {
            Interlocked.Decrement(ref idleCount);
            lookup.Dispose();
        }
    }
}
