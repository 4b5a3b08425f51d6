using SlurmNative.Store;

namespace SlurmNative.Tests.Store;

public sealed class SharedReadsTests
{
    /// <summary>A read that waits until released and returns how many reads had started when it did.</summary>
    private sealed class GatedReads
    {
        private int started;
        public readonly List<TaskCompletionSource> Gates = [];

        public int Started => Volatile.Read(ref started);

        public async Task<int> ReadAsync(string key)
        {
            var gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            int number;
            lock (Gates)
            {
                Gates.Add(gate);
                number = Interlocked.Increment(ref started);
            }
            await gate.Task;
            return key == "fail" ? throw new StoreUnavailableException("store unavailable: down") : number;
        }

        public void Release(int read)
        {
            SpinWait.SpinUntil(() => { lock (Gates) return Gates.Count >= read; }, TimeSpan.FromSeconds(5));
            lock (Gates)
                Gates[read - 1].SetResult();
        }
    }

    [Fact]
    public async Task Callers_who_arrive_during_a_read_share_the_next_one_which_starts_after_them()
    {
        var reads = new GatedReads();
        var shared = new SharedReads<string, int>(reads.ReadAsync);

        Task<int> first = shared.ReadAsync("alice", CancellationToken.None);
        var during = Enumerable.Range(0, 50).Select(_ => shared.ReadAsync("alice", CancellationToken.None)).ToArray();
        Task<int> otherKey = shared.ReadAsync("bob", CancellationToken.None);
        Assert.Equal(2, reads.Started); // one for alice, one for bob; the 50 wait

        reads.Release(1);
        Assert.Equal(1, await first);
        reads.Release(3); // the one read the 50 share, started only now
        Assert.All(await Task.WhenAll(during), value => Assert.Equal(3, value));
        reads.Release(2);
        Assert.Equal(2, await otherKey);
        Assert.Equal(3, reads.Started);

        // Nothing running: the next caller starts a read of its own at once.
        Task<int> later = shared.ReadAsync("alice", CancellationToken.None);
        reads.Release(4);
        Assert.Equal(4, await later);
    }

    [Fact]
    public async Task A_failed_read_fails_everyone_who_shared_it_and_a_cancelled_caller_stops_only_its_own_wait()
    {
        var reads = new GatedReads();
        var shared = new SharedReads<string, int>(reads.ReadAsync);
        Task<int> running = shared.ReadAsync("fail", CancellationToken.None);
        var sharers = Enumerable.Range(0, 5).Select(_ => shared.ReadAsync("fail", CancellationToken.None)).ToArray();
        using var cancel = new CancellationTokenSource();
        Task<int> impatient = shared.ReadAsync("fail", cancel.Token);

        await cancel.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => impatient);
        reads.Release(1);
        await Assert.ThrowsAsync<StoreUnavailableException>(() => running);
        reads.Release(2);
        foreach (Task<int> sharer in sharers)
            await Assert.ThrowsAsync<StoreUnavailableException>(() => sharer);
    }
}
