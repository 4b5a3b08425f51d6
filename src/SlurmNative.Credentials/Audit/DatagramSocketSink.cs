using System.Net.Sockets;

namespace SlurmNative.Credentials.Audit;

/// <summary>
/// Sends each entry as one datagram to a local Unix socket (syslog's /dev/log, journald's
/// native socket). Connected once and reused; after an error the next entry reconnects, so a
/// restarted syslog daemon or journald is picked up without restarting ours.
/// </summary>
public abstract class DatagramSocketSink(string socketPath) : IAuditSink
{
    private readonly Lock gate = new();
    private Socket? socket;

    public string SocketPath { get; } = socketPath;

    public abstract string Description { get; }

    protected abstract byte[] Encode(AuditEntry entry);

    public void Write(AuditEntry entry)
    {
        byte[] datagram = Encode(entry);
        lock (gate)
        {
            try
            {
                socket ??= Connect();
                socket.Send(datagram);
            }
            catch (SocketException e)
            {
                socket?.Dispose();
                socket = null;
                throw new IOException($"{SocketPath}: {e.Message}", e);
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
