namespace SlurmNative.Store.Sqlite.WriteQueue;

/// <summary>One queued write, run by the writer thread inside a transaction it shares with others.</summary>
internal abstract class SqliteWriteOp
{
    public abstract void Run(SqliteWriteContext context);
    public abstract void Complete();
    public abstract void Fail(Exception e);
    public abstract bool CancelIfRequested();
}
