using System.Net;
using System.Net.Sockets;

namespace SlurmNative.Adversary;

/// <summary>
/// Holds many connections to the daemon without ever completing a request: silent ones, or
/// ones that send a frame header a byte at a time. Each connection the daemon closes is
/// replaced at once, as an attacker who wants to keep the daemon's slots would do.
/// </summary>
internal static class ConnectionFlood
{
    private static readonly TimeSpan DripInterval = TimeSpan.FromMilliseconds(200);

    private static long opened, closedByDaemon, refused;
    private static readonly TaskCompletionSource AllOpened = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private static int wanted;

    public static async Task<int> RunAsync(Options options, CancellationToken stop)
    {
        IPEndPoint target = IPEndPoint.Parse(options.Text("target"));
        int connections = options.Number("connections");
        string mode = options.Text("mode", "idle");
        if (mode is not ("idle" or "drip"))
            throw new ArgumentException("--mode is idle or drip");
        wanted = connections;
        var holders = new Task[connections];
        for (int i = 0; i < connections; i++)
            holders[i] = HoldAsync(target, mode == "drip", stop);
        try
        {
            await AllOpened.Task.WaitAsync(stop);
            Console.WriteLine($"holding {connections} {mode} connections to {target}");
            await Task.WhenAll(holders);
        }
        catch (OperationCanceledException)
        {
        }
        Console.WriteLine($"opened {opened}, closed by the daemon {closedByDaemon}, refused {refused}");
        return 0;
    }

    private static async Task HoldAsync(IPEndPoint target, bool drip, CancellationToken stop)
    {
        var buffer = new byte[512];
        while (!stop.IsCancellationRequested)
        {
            using var socket = new Socket(target.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
            try
            {
                await socket.ConnectAsync(target, stop);
                if (Interlocked.Increment(ref opened) >= wanted)
                    AllOpened.TrySetResult();
                Task<int> closed = socket.ReceiveAsync(buffer, SocketFlags.None, stop).AsTask();
                // A plausible header: a 1000-byte request of the current version, never finished.
                byte[] header = [0, 0, 3, 0xEA, Credentials.Protocol.Frame.Version, 1];
                for (int sent = 0; drip && !closed.IsCompleted; sent++)
                {
                    await socket.SendAsync(new[] { sent < header.Length ? header[sent] : (byte)'A' }, SocketFlags.None, stop);
                    await Task.WhenAny(closed, Task.Delay(DripInterval, stop));
                }
                await closed;
                Interlocked.Increment(ref closedByDaemon);
            }
            catch (SocketException)
            {
                Interlocked.Increment(ref refused);
                await Task.Delay(50, stop);
            }
        }
    }
}
