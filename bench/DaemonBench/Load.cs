using System.Diagnostics;
using System.Globalization;
using SlurmNative.Credentials.Client;
using SlurmNative.Credentials.Kerberos;
using SlurmNative.Credentials.Protocol;

namespace SlurmNative.Bench;

/// <summary>
/// Concurrent clients, each a thread making one request after another through the
/// blocking client the plugin's hooks use (a new connection and a new MUNGE credential
/// per request, as each job start does), as root, whom the default ACL lets get and
/// add for any user.
/// </summary>
internal static class Load
{
    // Long enough for the daemon's tiered JIT to settle on its hot paths.
    private static readonly TimeSpan WarmUp = TimeSpan.FromSeconds(2);

    // The benchmark's daemon runs as root unless told otherwise, as the shipped unit does.
    private static uint DaemonUid(Options options) =>
        options.Optional("daemon-uid") is { } uid ? uint.Parse(uid, System.Globalization.CultureInfo.InvariantCulture) : 0;

    public static async Task<int> RunAsync(Options options)
    {
        string op = options.Text("op");
        if (op is not ("get" or "add"))
            throw new ArgumentException("--op must be get or add");
        int clients = options.Number("clients");
        var duration = TimeSpan.FromSeconds(options.Number("seconds"));
        // Several servers: each request in a random order, as clients with server_order = random.
        var client = new DaemonClient(options.All("server").Count > 0 ? options.All("server") : [options.Text("server")], TimeSpan.FromSeconds(10),
            new MungeSigner(DaemonUid(options), options.Text("munge-socket")), SlurmNative.Credentials.Configuration.ServerOrder.Random);

        var tickets = options.All("ticket").Select(ParseTicket).ToArray();
        (uint First, uint Last)? range = options.Optional("uids") is { } text ? ParseRange(text) : null;
        if (tickets.Length == 0 && (op == "add" || range is null))
            throw new ArgumentException(op == "add" ? "add needs --ticket UID=CCACHE" : "get needs --ticket UID=CCACHE or --uids FIRST-LAST");

        long measuredStart = Stopwatch.GetTimestamp() + (long)(WarmUp.TotalSeconds * Stopwatch.Frequency);
        long measuredEnd = measuredStart + (long)(duration.TotalSeconds * Stopwatch.Frequency);
        var latencies = new List<double>[clients];
        var errors = new System.Collections.Concurrent.ConcurrentDictionary<string, int>(StringComparer.Ordinal);
        var threads = new Thread[clients];
        for (int c = 0; c < clients; c++)
        {
            int me = c;
            latencies[me] = new List<double>(4096);
            threads[me] = new Thread(() =>
            {
                var random = new Random(me);
                // Consecutive requests of one client rotate through the tickets, so an add
                // rarely repeats what is stored (the daemon acknowledges a repeat without writing).
                for (int i = me; ; i += clients)
                {
                    long started = Stopwatch.GetTimestamp();
                    if (started >= measuredEnd)
                        return;
                    Request request;
                    if (op == "add")
                    {
                        var (uid, ticket) = tickets[i % tickets.Length];
                        request = Request.Create(Operation.Add, uid, ticket);
                    }
                    else
                    {
                        uint uid = range is { } r ? (uint)random.NextInt64(r.First, (long)r.Last + 1) : tickets[i % tickets.Length].Uid;
                        request = Request.Create(Operation.Get, uid);
                    }
                    try
                    {
                        client.Call(request);
                    }
                    catch (Exception e) when (e is DaemonException or DaemonUnreachableException or IOException)
                    {
                        errors.AddOrUpdate(e.Message, 1, (_, n) => n + 1);
                        continue;
                    }
                    long finished = Stopwatch.GetTimestamp();
                    if (started >= measuredStart && finished <= measuredEnd)
                        latencies[me].Add(Stopwatch.GetElapsedTime(started, finished).TotalMilliseconds);
                }
            })
            { IsBackground = true, Name = $"client-{me}" };
            threads[me].Start();
        }
        var watched = options.All("watch").Select(ParseWatch).Append(("client", Environment.ProcessId)).ToArray();
        var cpu = await CpuDuringAsync(watched, measuredStart, measuredEnd).ConfigureAwait(false);
        await Task.Run(() => { foreach (Thread t in threads) t.Join(); }).ConfigureAwait(false);

        var all = latencies.SelectMany(l => l).Order().ToArray();
        foreach (var (message, count) in errors.OrderByDescending(e => e.Value).Take(5))
            Console.Error.WriteLine($"daemon-bench: {count} x {message}");
        int ops = Math.Max(all.Length, 1);
        Program.Result([
            ("ops", all.Length),
            ("rate", all.Length / duration.TotalSeconds),
            ("p50_ms", Percentile(all, 0.50)),
            ("p99_ms", Percentile(all, 0.99)),
            ("errors", errors.Values.Sum()),
            .. cpu.Select(c => ($"{c.Name}_us_per_op", c.Seconds * 1e6 / ops)),
        ]);
        return 0;
    }

    private static (string Name, int Pid) ParseWatch(string text)
    {
        int equals = text.IndexOf('=', StringComparison.Ordinal);
        if (equals <= 0 || !int.TryParse(text.AsSpan(equals + 1), NumberStyles.None, CultureInfo.InvariantCulture, out int pid))
            throw new ArgumentException($"--watch '{text}' is not NAME=PID");
        return (text[..equals], pid);
    }

    /// <summary>CPU seconds each process, and the whole machine ("machine"), used inside the measured window.</summary>
    private static async Task<(string Name, double Seconds)[]> CpuDuringAsync((string Name, int Pid)[] processes, long start, long end)
    {
        await Task.Delay(Stopwatch.GetElapsedTime(Stopwatch.GetTimestamp(), start)).ConfigureAwait(false);
        double[] before = [.. processes.Select(p => ProcessCpuSeconds(p.Pid)), MachineBusySeconds()];
        await Task.Delay(Stopwatch.GetElapsedTime(Stopwatch.GetTimestamp(), end)).ConfigureAwait(false);
        double[] after = [.. processes.Select(p => ProcessCpuSeconds(p.Pid)), MachineBusySeconds()];
        return [.. processes.Select(p => p.Name).Append("machine").Select((name, i) => (name, after[i] - before[i]))];
    }

    // USER_HZ is 100 on every Linux ABI .NET runs on.
    private const double TicksPerSecond = 100;

    /// <summary>utime + stime of the whole process, from /proc/PID/stat (fields 14 and 15).</summary>
    private static double ProcessCpuSeconds(int pid)
    {
        string stat = File.ReadAllText($"/proc/{pid}/stat");
        string[] fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
        return (long.Parse(fields[11], CultureInfo.InvariantCulture) + long.Parse(fields[12], CultureInfo.InvariantCulture)) / TicksPerSecond;
    }

    /// <summary>Busy time of all CPUs together (everything but idle and iowait), from /proc/stat.</summary>
    private static double MachineBusySeconds()
    {
        string[] cpu = File.ReadLines("/proc/stat").First().Split(' ', StringSplitOptions.RemoveEmptyEntries);
        long busy = 0;
        for (int i = 1; i < Math.Min(cpu.Length, 9); i++)
        {
            if (i is not (4 or 5))
                busy += long.Parse(cpu[i], CultureInfo.InvariantCulture);
        }
        return busy / TicksPerSecond;
    }

    private static (uint Uid, byte[] Ticket) ParseTicket(string text)
    {
        int equals = text.IndexOf('=', StringComparison.Ordinal);
        if (equals <= 0 || !uint.TryParse(text.AsSpan(0, equals), NumberStyles.None, CultureInfo.InvariantCulture, out uint uid))
            throw new ArgumentException($"--ticket '{text}' is not UID=CCACHE");
        return (uid, KerberosTickets.ReadTicketGrantingTicket("FILE:" + text[(equals + 1)..]));
    }

    private static (uint, uint) ParseRange(string text)
    {
        string[] parts = text.Split('-');
        if (parts.Length == 2
            && uint.TryParse(parts[0], NumberStyles.None, CultureInfo.InvariantCulture, out uint first)
            && uint.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out uint last)
            && first <= last)
            return (first, last);
        throw new ArgumentException($"--uids '{text}' is not FIRST-LAST");
    }

    private static double Percentile(double[] sorted, double p) =>
        sorted.Length == 0 ? 0 : sorted[Math.Min(sorted.Length - 1, (int)(p * sorted.Length))];
}
