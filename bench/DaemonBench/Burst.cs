using System.Diagnostics;
using System.Globalization;
using SlurmNative.Credentials.Client;
using SlurmNative.Credentials.Configuration;
using SlurmNative.Credentials.Protocol;

namespace SlurmNative.Bench;

/// <summary>
/// A job on N nodes starting at once: N slurmstepds fetch the same user's ticket, as root, each
/// with a connection and a MUNGE credential of its own. The credentials are made before the clock
/// starts, as each node makes its own on its own host; then as many threads as the machine keeps
/// busy send them all, and the result is the time until the last one was served.
/// </summary>
internal static class Burst
{
    public static int Run(Options options)
    {
        int count = options.Number("count");
        int threads = options.Number("threads");
        uint uid = uint.Parse(options.Text("uid"), CultureInfo.InvariantCulture);
        var client = new DaemonClient(options.All("server"), TimeSpan.FromSeconds(options.Number("timeout")),
            new MungeSigner(0, options.Text("munge-socket")), ServerOrder.Random);

        var signing = Stopwatch.StartNew();
        var requests = new DaemonClient.SignedRequest[count];
        Parallel.For(0, count, new ParallelOptions { MaxDegreeOfParallelism = Environment.ProcessorCount * 2 },
            i => requests[i] = client.Sign(Request.Create(Operation.Get, uid)));
        signing.Stop();

        var latencies = new double[count];
        var failures = new string?[count];
        int next = -1;
        long start = Stopwatch.GetTimestamp();
        var workers = Enumerable.Range(0, threads).Select(_ => new Thread(() =>
        {
            int i;
            while ((i = Interlocked.Increment(ref next)) < count)
            {
                long sent = Stopwatch.GetTimestamp();
                try
                {
                    requests[i].Call();
                }
                catch (Exception e) when (e is DaemonException or DaemonUnreachableException or IOException)
                {
                    failures[i] = e.Message;
                }
                latencies[i] = Stopwatch.GetElapsedTime(sent).TotalMilliseconds;
            }
        }, maxStackSize: 256 * 1024)).ToArray();
        foreach (Thread t in workers)
            t.Start();
        foreach (Thread t in workers)
            t.Join();
        double seconds = Stopwatch.GetElapsedTime(start).TotalSeconds;

        Array.Sort(latencies);
        var errors = failures.Where(f => f is not null).GroupBy(f => f!).OrderByDescending(g => g.Count()).ToList();
        foreach (var group in errors.Take(5))
            Console.Error.WriteLine($"daemon-bench: {group.Count()} x {group.Key}");
        Program.Result([
            ("requests", count),
            ("seconds", seconds),
            ("rate", count / seconds),
            ("p50_ms", latencies[count / 2]),
            ("p99_ms", latencies[Math.Min(count - 1, (int)(count * 0.99))]),
            ("errors", errors.Sum(g => g.Count())),
            ("signing_seconds", signing.Elapsed.TotalSeconds),
        ]);
        return 0;
    }
}
