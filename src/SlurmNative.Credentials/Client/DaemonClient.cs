using System.Net;
using Microsoft.Win32.SafeHandles;
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
/// by at most that timeout per server. Blocking libc sockets only: no thread pool, no epoll
/// thread, no System.Net.Sockets code in the plugin, which is what a hook inside srun or
/// slurmstepd wants and what a one-shot CLI needs; callers that want concurrency use threads.
/// </summary>
public sealed class DaemonClient(IReadOnlyList<string> servers, TimeSpan timeout, IRequestSigner signer)
{
    // Fields, not captured parameters: SignedRequest reads them.
    private readonly IReadOnlyList<string> servers = servers;
    private readonly TimeSpan timeout = timeout;

    /// <summary>The first answer from any server, whatever its status.</summary>
    public Reply Send(Request request) => Sign(request).Send();

    /// <summary>Sends and throws <see cref="DaemonException"/> unless the reply is Ok; returns the body.</summary>
    public byte[] Call(Request request) => Sign(request).Call();

    /// <summary>
    /// Signs <paramref name="request"/> now, as the identity the process has at this moment
    /// (MUNGE records the effective uid and gid), for an exchange that may happen later and on
    /// another thread, when that identity may have changed.
    /// </summary>
    public SignedRequest Sign(Request request) =>
        new(this, request, Frame.Encode(FrameKind.Request, signer.Sign(request.Encode())));

    /// <summary>A request with its MUNGE credential, ready to send to each configured server in turn.</summary>
    public sealed class SignedRequest
    {
        private readonly DaemonClient client;
        private readonly Request request;
        private readonly byte[] frame;

        internal SignedRequest(DaemonClient client, Request request, byte[] frame)
        {
            this.client = client;
            this.request = request;
            this.frame = frame;
        }

        /// <summary>The first answer from any server, whatever its status.</summary>
        public Reply Send()
        {
            var failures = new List<string>();
            foreach (string server in client.servers)
            {
                try
                {
                    return ExchangeBlocking(server, frame, request, client.timeout);
                }
                catch (Exception e) when (e is IOException or TimeoutException)
                {
                    failures.Add($"{server}: {(e is TimeoutException ? $"no answer within {client.timeout.TotalSeconds:0.#} s" : e.Message)}");
                }
            }
            throw new DaemonUnreachableException($"no credential daemon answered ({string.Join("; ", failures)}); check that slurmnatived runs and that 'servers' in slurmnative.conf is right");
        }

        /// <summary>Sends and throws <see cref="DaemonException"/> unless the reply is Ok; returns the body.</summary>
        public byte[] Call()
        {
            Reply reply = Send();
            if (reply.Status != ReplyStatus.Ok)
                throw new DaemonException(reply.Status, reply.Message);
            return reply.Body;
        }
    }

    private static Reply ExchangeBlocking(string server, byte[] frame, Request request, TimeSpan timeout)
    {
        long deadline = Environment.TickCount64 + (long)timeout.TotalMilliseconds;
        TimeSpan Remaining() => TimeSpan.FromMilliseconds(Math.Max(1, deadline - Environment.TickCount64));
        using SafeFileHandle socket = ConnectBlocking(server, timeout);
        Interop.Libc.SetTimeout(socket, Interop.Libc.SO_SNDTIMEO, Remaining());
        Interop.Libc.SendAll(socket, frame);
        // The daemon now decodes the MUNGE credential and looks the ticket up, a millisecond
        // or so: time enough to map the library that opens its reply.
        Reply.PrepareToOpen();
        Interop.Libc.SetTimeout(socket, Interop.Libc.SO_RCVTIMEO, Remaining());
        var answer = Frame.Read(buffer => Interop.Libc.Receive(socket, buffer.Span))
            ?? throw new IOException("the daemon closed the connection without answering");
        return answer.Kind switch
        {
            FrameKind.SealedReply => Reply.Open(request, answer.Body),
            FrameKind.PlainReply => Reply.DecodePlain(answer.Body),
            _ => throw new IOException("the daemon answered with a request frame"),
        };
    }

    /// <summary>
    /// host:port, [v6]:port or unix:/path, over a blocking libc socket whose connect(2) is bounded by
    /// <paramref name="timeout"/>. Each address the host resolves to is tried in turn.
    /// </summary>
    private static SafeFileHandle ConnectBlocking(string server, TimeSpan timeout)
    {
        if (server.StartsWith("unix:", StringComparison.Ordinal))
            return Interop.Libc.ConnectUnix(server[5..], timeout);
        (string host, int port) = SplitHostPort(server);
        IReadOnlyList<ResolvedAddress> addresses = Interop.Libc.Resolve(host, port);
        if (addresses.Count == 0)
            throw new IOException($"{host} has no address");
        for (int i = 0; ; i++)
        {
            try
            {
                return Interop.Libc.ConnectTcp(addresses[i], timeout);
            }
            catch (IOException) when (i + 1 < addresses.Count)
            {
                // Refused or unreachable on this address (say ::1 when the daemon listens on 127.0.0.1): try the next.
            }
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
