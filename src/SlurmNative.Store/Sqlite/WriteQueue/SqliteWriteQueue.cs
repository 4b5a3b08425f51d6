using System.Collections.Concurrent;
using Microsoft.Data.Sqlite;

namespace SlurmNative.Store.Sqlite.WriteQueue;

/// <summary>
/// All writes go through one thread (SQLite allows one writer); writes that arrive while a
/// commit is in flight are committed together in the next transaction, so concurrent
/// uploads share an fsync instead of queueing for one each.
/// </summary>
internal sealed class SqliteWriteQueue : IDisposable
{
    // Large enough that a burst shares one fsync, small enough that one transaction stays short.
    private const int MaxBatch = 256;

    private readonly SqliteConnection writer;
    private readonly BlockingCollection<SqliteWriteOp> queue = new();
    private readonly Thread writerThread;

    /// <param name="writer">the open connection the writer thread uses; it stays the caller's to dispose.</param>
    public SqliteWriteQueue(SqliteConnection writer)
    {
        this.writer = writer;
        writerThread = new Thread(WriterLoop) { IsBackground = true, Name = "credential-store-writer" };
        writerThread.Start();
    }

    /// <summary>Queues <paramref name="body"/>; the task completes once its transaction committed (and fsync'd).</summary>
    public Task<T> Enqueue<T>(Func<SqliteWriteContext, T> body, CancellationToken cancel)
    {
        var op = new SqliteWriteOp<T>(body, cancel);
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

    /// <summary>Refuses new writes, runs those already queued (their callers are waiting for an answer), then stops the thread.</summary>
    public void Dispose()
    {
        queue.CompleteAdding();
        writerThread.Join();
        queue.Dispose();
    }

    private void WriterLoop()
    {
        using var context = new SqliteWriteContext(writer);
        var batch = new List<SqliteWriteOp>(MaxBatch);
        while (queue.TryTake(out SqliteWriteOp? first, Timeout.Infinite))
        {
            batch.Clear();
            batch.Add(first);
            while (batch.Count < MaxBatch && queue.TryTake(out SqliteWriteOp? next))
                batch.Add(next);
            batch.RemoveAll(op => op.CancelIfRequested());
            if (batch.Count == 0)
                continue;
            if (!TryCommit(context, batch))
            {
                // Something in the batch failed: run each op on its own, so one bad write
                // fails alone instead of taking its neighbours' acknowledgements with it.
                foreach (SqliteWriteOp op in batch)
                    TryCommit(context, [op]);
            }
        }
    }

    /// <summary>Runs the ops in one transaction; completes them only after the commit (and its fsync) returned.</summary>
    private static bool TryCommit(SqliteWriteContext context, List<SqliteWriteOp> ops)
    {
        try
        {
            context.Begin();
            foreach (SqliteWriteOp op in ops)
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
        foreach (SqliteWriteOp op in ops)
            op.Complete();
        return true;
    }

    private static Exception Describe(Exception e) => e is SqliteException sqlite
        ? new CredentialStoreException($"credential database write failed: {sqlite.Message}", sqlite)
        : e;
}
