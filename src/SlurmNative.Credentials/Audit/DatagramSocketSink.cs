using System.Net.Sockets;

namespace SlurmNative.Credentials.Audit;

/// <summary>
/// Sends each entry as one datagram to a local Unix socket (syslog's /dev/log, journald's
/// native socket). Connected once and reused; after an error the socket is dropped and a
/// reconnection tried at most once a second, so a restarted syslog daemon or journald is picked
/// up without restarting ours, and a host with no such socket costs one failed connect a second,
/// not one per request.
/// </summary>
public abstract class DatagramSocketSink(string socketPath) : IAuditSink
{
    private static readonly long RetryTicks = System.Diagnostics.Stopwatch.Frequency;

    private readonly Lock gate = new();
    private Socket? socket;
    private long retryAt;
    private string? lastFailure;

    public string SocketPath { get; } = socketPath;

    public abstract string Description { get; }

    protected abstract byte[] Encode(AuditEntry entry);

    public bool TryWrite(AuditEntry entry, out string? failure)
    {
        byte[] datagram = Encode(entry);
        lock (gate)
        {
            if (socket is null && System.Diagnostics.Stopwatch.GetTimestamp() < retryAt)
            {
                failure = lastFailure;
                return false;
            }
            try
            {
                socket ??= Connect();
                socket.Send(datagram);
                failure = null;
                return true;
            }
            catch (Exception e) when (e is SocketException or ObjectDisposedException)
            {
                socket?.Dispose();
                socket = null;
                retryAt = System.Diagnostics.Stopwatch.GetTimestamp() + RetryTicks;
                lastFailure = failure = $"{SocketPath}: {e.Message}";
                return false;
            }
        }
    }

    private Socket Connect()
    {
        var s = new Socket(AddressFamily.Unix, SocketType.Dgram, ProtocolType.Unspecified);
        try
        {
            s.Connect(new UnixDomainSocketEndPoint(SocketPath));
            return s;
        }
        catch
        {
            s.Dispose();
            throw;
        }
    }

    public void Dispose()
    {
        lock (gate)
        {
            socket?.Dispose();
            socket = null;
        }
        GC.SuppressFinalize(this);
    }
}
