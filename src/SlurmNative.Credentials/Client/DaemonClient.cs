using System.Net;
using System.Net.Sockets;
using SlurmNative.Credentials.Protocol;

namespace SlurmNative.Credentials.Client;

/// <summary>Wraps a request's payload in a credential that proves who sent it (MUNGE in production).</summary>
public interface IRequestSigner
{
    byte[] Sign(byte[] payload);
}

/// <summary>The daemon refused or failed; <see cref="Status"/> says how, the message says what to do.</summary>
public sealed class DaemonException(ReplyStatus status, string message) : Exception(message)
{
    public ReplyStatus Status { get; } = status;
}

/// <summary>No configured daemon could be reached within the timeout.</summary>
public sealed class DaemonUnreachableException(string message) : Exception(message);

/// <summary>
/// Talks to the credential daemons: tries each configured server in order (failover),
/// each attempt bounded by one timeout, so a dead or silent daemon delays a job start
/// by at most that timeout per server. Blocking sockets only: no thread pool, no epoll
/// thread, which is what a hook inside srun or slurmstepd wants, and what a one-shot CLI
/// needs; callers that want concurrency use threads.
/// </summary>
public sealed class DaemonClient(IReadOnlyList<string> servers, TimeSpan timeout, IRequestSigner signer)
{
    /// <summary>The first answer from any server, whatever its status.</summary>
    public Reply Send(Request request)
    {
        byte[] frame = Frame.Encode(FrameKind.Request, signer.Sign(request.Encode()));
        var failures = new List<string>();
        foreach (string server in servers)
        {
            try
            {
                return ExchangeBlocking(server, frame, request, timeout);
            }
            catch (Exception e) when (e is SocketException or IOException or TimeoutException)
            {
                bool timedOut = e is TimeoutException || (e.InnerException ?? e) is SocketException { SocketErrorCode: SocketError.TimedOut or SocketError.WouldBlock };
                failures.Add($"{server}: {(timedOut ? $"no answer within {timeout.TotalSeconds:0.#} s" : e.Message)}");
            }
        }
        throw new DaemonUnreachableException($"no credential daemon answered ({string.Join("; ", failures)}); check that slurmnatived runs and that 'servers' in slurmnative.conf is right");
    }

    /// <summary>Sends and throws <see cref="DaemonException"/> unless the reply is Ok; returns the body.</summary>
    public byte[] Call(Request request)
    {
        Reply reply = Send(request);
        if (reply.Status != ReplyStatus.Ok)
            throw new DaemonException(reply.Status, reply.Message);
        return reply.Body;
    }

    private static Reply ExchangeBlocking(string server, byte[] frame, Request request, TimeSpan timeout)
    {
        long start = Environment.TickCount64;
        long deadline = start + (long)timeout.TotalMilliseconds;
        using Socket socket = ConnectBlocking(server, timeout, noDelay: frame.Length > OneSegmentBytes);
        int Remaining() => (int)Math.Max(1, deadline - Environment.TickCount64);
        // Connect left SO_SNDTIMEO at the whole timeout; shorten it only if connect used some
        // (each setsockopt is a system call, and on loopback connect takes microseconds).
        if (Environment.TickCount64 != start)
            socket.SendTimeout = Remaining();
        socket.Send(frame);
        socket.ReceiveTimeout = Remaining();
        using var stream = new NetworkStream(socket, ownsSocket: false);
        var answer = Frame.ReadSingle(stream) ?? throw new IOException("the daemon closed the connection without answering");
        return answer.Kind switch
        {
            FrameKind.SealedReply => Reply.Open(request, answer.Body),
            FrameKind.PlainReply => Reply.DecodePlain(answer.Body),
            _ => throw new IOException("the daemon answered with a request frame"),
        };
    }

    /// <summary>
    /// Nagle's algorithm only holds back a segment while an earlier one is unacknowledged:
    /// a request this small leaves as one segment, the connection's first, and never waits.
    /// Larger ones (uploads) may span segments, so they turn it off.
    /// </summary>
    private const int OneSegmentBytes = 512;

    /// <summary>
    /// host:port, [v6]:port or unix:/path; connect(2) bounded by <paramref name="timeout"/> on a
    /// socket that stays blocking, and whose SO_SNDTIMEO is left at <paramref name="timeout"/>.
    /// </summary>
    private static Socket ConnectBlocking(string server, TimeSpan timeout, bool noDelay)
    {
        int timeoutMs = (int)Math.Max(1, timeout.TotalMilliseconds);
        if (server.StartsWith("unix:", StringComparison.Ordinal))
        {
            var unix = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
            try
            {
                unix.SendTimeout = timeoutMs;
                unix.Connect(new UnixDomainSocketEndPoint(server[5..]));
                return unix;
            }
            catch
            {
                unix.Dispose();
                throw;
            }
        }
        (string host, int port) = SplitHostPort(server);
        IPAddress[] addresses = IPAddress.TryParse(host, out IPAddress? literal) ? [literal] : Dns.GetHostAddresses(host);
        if (addresses.Length == 0)
            throw new IOException($"{host} has no address");
        var tcp = new Socket(addresses[0].AddressFamily, SocketType.Stream, ProtocolType.Tcp);
        try
        {
            if (noDelay)
                tcp.NoDelay = true;
            // Linux bounds a blocking connect(2) by SO_SNDTIMEO (socket(7)). A non-blocking
            // connect would not do: once .NET has made a socket non-blocking it keeps it so and
            // runs every later "blocking" send and receive through its epoll thread and the
            // thread pool, the machinery this client exists to keep out of srun and slurmstepd.
            tcp.SendTimeout = timeoutMs;
            try
            {
                tcp.Connect(addresses[0], port);
            }
            catch (SocketException e) when (e.SocketErrorCode is SocketError.WouldBlock or SocketError.InProgress or SocketError.TimedOut)
            {
                throw new TimeoutException();
            }
            return tcp;
        }
        catch
        {
            tcp.Dispose();
            throw;
        }
    }

    internal static (string Host, int Port) SplitHostPort(string server)
    {
        if (IPEndPoint.TryParse(server, out IPEndPoint? endpoint) && endpoint.Port != 0)
            return (endpoint.Address.ToString(), endpoint.Port);
        int colon = server.LastIndexOf(':');
        if (colon > 0 && int.TryParse(server.AsSpan(colon + 1), out int port) && port is > 0 and < 65536)
            return (server[..colon].Trim('[', ']'), port);
        return (server.Trim('[', ']'), Configuration.SlurmNativeConfig.DefaultPort);
    }
}
