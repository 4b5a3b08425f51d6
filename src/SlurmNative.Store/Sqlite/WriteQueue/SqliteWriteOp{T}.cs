namespace SlurmNative.Store.Sqlite.WriteQueue;

/// <summary>A queued write whose caller waits for <typeparamref name="T"/>, answered only after its transaction committed.</summary>
internal sealed class SqliteWriteOp<T>(Func<SqliteWriteContext, T> body, CancellationToken cancel) : SqliteWriteOp
{
    private readonly TaskCompletionSource<T> completion = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private T? result;

    public Task<T> Task => completion.Task;

    public override void Run(SqliteWriteContext context) => result = body(context);
    public override void Complete() => completion.TrySetResult(result!);
    public override void Fail(Exception e) => completion.TrySetException(e);

    // Only before the write starts: once committed, the caller must hear that it happened.
    public override bool CancelIfRequested() => cancel.IsCancellationRequested && completion.TrySetCanceled(cancel);
}
