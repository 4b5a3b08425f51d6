using System.Runtime.InteropServices;

namespace SlurmNative.Plugin;

/// <summary>
/// Runs the plugin's own runtime hard in the process that loaded it: several threads allocating through
/// many garbage collections, each checking what it computed. A GC suspends every managed thread with a
/// process-wide memory barrier, which native/runtime_membarrier.c may have left to the runtime's fallback;
/// the tests (and a site trying a new kernel or runtime) call this to see that fallback hold, in a host
/// shaped like slurmstepd. Slurm never calls it.
/// </summary>
internal static class RuntimeSelfTest
{
    private const int BuffersPerRound = 64;

    /// <returns>How many collections ran, or -1 if a thread's result was wrong, -2 if the test itself failed.</returns>
    [UnmanagedCallersOnly(EntryPoint = "slurmnative_runtime_selftest")]
    private static int Run(int threads, int rounds)
    {
        try
        {
            int before = GC.CollectionCount(0);
            var results = new long[threads];
            var workers = new Thread[threads];
            for (int i = 0; i < threads; i++)
            {
                int seed = i;
                workers[i] = new Thread(() => results[seed] = Work(seed, rounds));
                workers[i].Start();
            }
            foreach (Thread worker in workers)
                worker.Join();
            for (int i = 0; i < threads; i++)
            {
                if (results[i] != Expected(i, rounds))
                    return -1;
            }
            return GC.CollectionCount(0) - before;
        }
        catch
        {
            return -2;
        }
    }

    private static int Length(int seed, int round, int buffer) => 1024 + (seed * 31 + round * 7 + buffer) % 512;

    /// <summary>Allocates, forces a collection every round while earlier buffers are still live, then reads them back.</summary>
    private static long Work(int seed, int rounds)
    {
        long sum = 0;
        for (int round = 0; round < rounds; round++)
        {
            var live = new List<byte[]>(BuffersPerRound);
            for (int buffer = 0; buffer < BuffersPerRound; buffer++)
            {
                var bytes = new byte[Length(seed, round, buffer)];
                Array.Fill(bytes, (byte)(seed + round + buffer));
                live.Add(bytes);
            }
            GC.Collect(0, GCCollectionMode.Forced, blocking: true);
            foreach (byte[] bytes in live)
                sum += bytes[^1] + bytes[bytes.Length / 2] + bytes.Length;
        }
        return sum;
    }

    private static long Expected(int seed, int rounds)
    {
        long sum = 0;
        for (int round = 0; round < rounds; round++)
        {
            for (int buffer = 0; buffer < BuffersPerRound; buffer++)
                sum += 2 * (byte)(seed + round + buffer) + Length(seed, round, buffer);
        }
        return sum;
    }
}
