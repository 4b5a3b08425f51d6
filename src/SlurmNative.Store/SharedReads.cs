namespace SlurmNative.Store;

/// <summary>
/// Lets concurrent reads of one key share a database round trip, the way a group commit shares an
/// fsync: a job starting on thousands of nodes makes each of them ask for the same user's ticket at
/// once. A read that arrives while another read of its key is under way waits for the next one,
/// which starts after that and so after it arrived: every caller still sees every write that was
/// acknowledged before it asked. Whoever arrives during a read shares that next one.
/// </summary>
internal sealed class SharedReads<TKey, TValue>(Func<TKey, Task<TValue>> read) where TKey : notnull
{
    private readonly object gate = new();
    private readonly Dictionary<TKey, TaskCompletionSource<TValue>?> running = [];

    /// <param name="cancel">stops this caller's wait, not the read others share.</param>
    public Task<TValue> ReadAsync(TKey key, CancellationToken cancel)
    {
        Task<TValue> shared;
        lock (gate)
        {
            if (running.TryGetValue(key, out TaskCompletionSource<TValue>? next))
            {
                if (next is null)
                    running[key] = next = new TaskCompletionSource<TValue>(TaskCreationOptions.RunContinuationsAsynchronously);
                shared = next.Task;
            }
            else
            {
                running.Add(key, null);
                shared = RunAsync(key);
            }
        }
        return shared.WaitAsync(cancel);
    }

    private async Task<TValue> RunAsync(TKey key)
    {
        try
        {
            return await read(key).ConfigureAwait(false);
        }
        finally
        {
            TaskCompletionSource<TValue>? next;
            lock (gate)
            {
                next = running[key];
                if (next is null)
                    running.Remove(key);
                else
                    running[key] = null;
            }
            if (next is not null)
                _ = CompleteAsync(key, next);
        }
    }

    private async Task CompleteAsync(TKey key, TaskCompletionSource<TValue> waiting)
    {
        try
        {
            waiting.SetResult(await RunAsync(key).ConfigureAwait(false));
        }
        catch (Exception e)
        {
            waiting.SetException(e);
        }
    }
}
