using System.Net;
using Microsoft.Win32.SafeHandles;
using SlurmNative.Credentials.Configuration;
using SlurmNative.Credentials.Protocol;

namespace SlurmNative.Credentials.Client;

/// <summary>
/// Talks to the credential daemons: tries each configured server in turn (failover), in the
/// listed order or a random one, all within one timeout: a server that is down is passed over
/// at once, and a silent one gets its share of the time left, so the next still has time to
/// answer and a job start never waits longer than the timeout. Only a sealed reply counts as the daemon's answer:
/// it opens with the reply key that travelled inside a MUNGE credential only the daemon's
/// uid can decode. Anything else (a plain reply, a reply that does not open, a busy daemon)
/// sends the request on to the next server, because whoever sent it may not be the daemon.
/// Blocking libc sockets only: no thread pool, no epoll thread, no System.Net.Sockets code
/// in the plugin, which is what a hook inside srun or slurmstepd wants and what a one-shot
/// CLI needs; callers that want concurrency use threads.
/// </summary>
public sealed class DaemonClient(IReadOnlyList<string> servers, TimeSpan timeout, IRequestSigner signer, ServerOrder order = ServerOrder.Listed)
{
    /// <summary>First pause before asking busy daemons again; it doubles up to <see cref="MaxBusyPause"/>.</summary>
    private static readonly TimeSpan FirstBusyPause = TimeSpan.FromMilliseconds(20);
    private static readonly TimeSpan MaxBusyPause = TimeSpan.FromMilliseconds(250);

    /// <summary>Less time than this left is not worth another round of asking.</summary>
    private static readonly TimeSpan MinAttempt = TimeSpan.FromMilliseconds(50);

    // Fields, not captured parameters: SignedRequest reads them.
    private readonly IReadOnlyList<string> servers = servers;
    private readonly TimeSpan timeout = timeout;
    private readonly ServerOrder order = order;

    /// <summary>The client every program builds from slurmnative.conf: its servers, timeout, munged and daemon user.</summary>
    /// <exception cref="ConfigException">daemon_user names no user.</exception>
    public static DaemonClient ForConfig(SlurmNativeConfig config) =>
        new(config.Servers, config.ClientTimeout, new MungeSigner(config.DaemonUid(), config.MungeSocket), config.ServerOrder);

    /// <summary>The daemon's authenticated answer, whatever its status.</summary>
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

        /// <summary>
        /// The first authenticated answer from any server, whatever its status. A server that was
        /// busy, or closed the connection before answering (a daemon making room for newer
        /// connections does), is asked again after a short pause, for as long as the client timeout
        /// allows: it did not decode the request, so the same credential still serves. A server that
        /// is down, silent or unable to reach its store is not asked again: waiting would only delay
        /// the job's start. A daemon's "store unavailable" is its authenticated answer, but another
        /// daemon may still reach the store: it is returned only when no server answered better.
        /// </summary>
        /// <exception cref="DaemonUnreachableException">no server answered with a sealed reply; the message has every server's reason.</exception>
        public Reply Send()
        {
            long deadline = Environment.TickCount64 + (long)client.timeout.TotalMilliseconds;
            IReadOnlyList<string> servers = client.order == ServerOrder.Random ? Shuffled(client.servers) : client.servers;
            TimeSpan pause = FirstBusyPause;
            var lastFailure = new string[servers.Count];
            var putOff = new string?[servers.Count];
            var lastPutOff = new bool[servers.Count];
            var timesPutOff = new int[servers.Count];
            var askAgain = Enumerable.Repeat(true, servers.Count).ToArray();
            Reply? storeUnavailable = null;
            while (true)
            {
                int toAsk = askAgain.Count(again => again);
                for (int i = 0; i < servers.Count; i++)
                {
                    if (!askAgain[i])
                        continue;
                    askAgain[i] = false;
                    // Each server still to ask this round gets an equal share of the time left, so a
                    // silent one cannot take the time the next one needs to answer.
                    TimeSpan attempt = TimeSpan.FromMilliseconds(Math.Max(1, (deadline - Environment.TickCount64) / toAsk--));
                    try
                    {
                        Reply reply = ExchangeBlocking(servers[i], frame, request, attempt);
                        if (reply.Status != ReplyStatus.StoreUnavailable)
                            return reply;
                        storeUnavailable ??= reply;
                        lastFailure[i] = reply.Message;
                        lastPutOff[i] = false;
                    }
                    catch (PutOffException e)
                    {
                        askAgain[i] = true;
                        timesPutOff[i]++;
                        putOff[i] = lastFailure[i] = e.Message;
                        lastPutOff[i] = true;
                    }
                    catch (Exception e) when (e is IOException or TimeoutException or ProtocolException)
                    {
                        lastFailure[i] = e is TimeoutException ? $"no answer within {attempt.TotalSeconds:0.##} s" : e.Message;
                        lastPutOff[i] = false;
                    }
                }
                // Jitter, so that clients turned away together do not all come back together.
                TimeSpan wait = pause + TimeSpan.FromMilliseconds(Random.Shared.Next((int)pause.TotalMilliseconds));
                if (!askAgain.Contains(true) || Environment.TickCount64 + (long)(wait + MinAttempt).TotalMilliseconds > deadline)
                    break;
                Thread.Sleep(wait);
                pause = pause * 2 < MaxBusyPause ? pause * 2 : MaxBusyPause;
            }
            if (storeUnavailable is not null)
                return storeUnavailable;
            IEnumerable<string> reasons = servers.Select((server, i) => (timesPutOff[i], lastPutOff[i]) switch
            {
                (0, _) or (1, true) => $"{server}: {lastFailure[i]}",
                (int n, true) => $"{server}: {lastFailure[i]} (asked {n} times)",
                (int n, false) => $"{server}: {putOff[i]} (asked {n} times), then {lastFailure[i]}",
            });
            throw new DaemonUnreachableException($"no credential daemon answered ({string.Join("; ", reasons)}); check that slurmnatived runs and that 'servers' and 'daemon_user' in slurmnative.conf are right");
        }

        private static string[] Shuffled(IReadOnlyList<string> servers)
        {
            string[] order = [.. servers];
            Random.Shared.Shuffle(order);
            return order;
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

    /// <summary>The server said it was busy, or closed the connection unanswered: the request was not decoded and may be sent again.</summary>
    private sealed class PutOffException(string reason) : Exception(reason);

    /// <summary>The daemon's sealed answer; every other outcome is an exception that sends the request on to the next server.</summary>
    private static Reply ExchangeBlocking(string server, byte[] frame, Request request, TimeSpan timeout)
    {
        long deadline = Environment.TickCount64 + (long)timeout.TotalMilliseconds;
        TimeSpan Remaining() => TimeSpan.FromMilliseconds(Math.Max(1, deadline - Environment.TickCount64));
        using SafeFileHandle socket = ConnectBlocking(server, timeout);
        BlockingSocket.SetTimeout(socket, Interop.Libc.SO_SNDTIMEO, Remaining());
        try
        {
            BlockingSocket.SendAll(socket, frame);
        }
        catch (IOException e) when (e.HResult is Interop.Libc.ECONNRESET or Interop.Libc.EPIPE)
        {
            throw new PutOffException("closed the connection before the request was sent");
        }
        // The daemon now decodes the MUNGE credential and looks the ticket up, a millisecond
        // or so: time enough to map the library that opens its reply.
        Reply.PrepareToOpen();
        BlockingSocket.SetTimeout(socket, Interop.Libc.SO_RCVTIMEO, Remaining());
        (FrameKind Kind, byte[] Body)? answer;
        try
        {
            answer = Frame.Read(buffer => BlockingSocket.Receive(socket, buffer.Span));
        }
        catch (IOException e) when (e.HResult == Interop.Libc.ECONNRESET)
        {
            // What a daemon closing a waiting connection to make room looks like when the
            // request had already reached it, unread.
            throw new PutOffException("reset the connection without answering");
        }
        if (answer is null)
            throw new PutOffException("closed the connection without answering");
        switch (answer.Value.Kind)
        {
            case FrameKind.SealedReply:
                try
                {
                    return Reply.Open(request, answer.Value.Body);
                }
                catch (ProtocolException e)
                {
                    throw new ProtocolException(e.Status, $"{e.Message}; whatever answered there is not the daemon this request was sealed for");
                }
            case FrameKind.PlainReply:
                Reply plain = Reply.DecodePlain(answer.Value.Body);
                if (plain.Status == ReplyStatus.Busy)
                    throw new PutOffException("busy");
                throw new ProtocolException(plain.Status, $"unauthenticated answer {plain.Status}: {plain.Message}");
            default:
                throw new IOException("the daemon answered with a request frame");
        }
    }

    /// <summary>
    /// host:port, [v6]:port or unix:/path, over a blocking libc socket whose connect(2) is bounded by
    /// <paramref name="timeout"/>. Each address the host resolves to is tried in turn.
    /// </summary>
    private static SafeFileHandle ConnectBlocking(string server, TimeSpan timeout)
    {
        if (server.StartsWith("unix:", StringComparison.Ordinal))
            return BlockingSocket.ConnectUnix(server[5..], timeout);
        (string host, int port) = SplitHostPort(server);
        IReadOnlyList<ResolvedAddress> addresses = BlockingSocket.Resolve(host, port);
        if (addresses.Count == 0)
            throw new IOException($"{host} has no address");
        for (int i = 0; ; i++)
        {
            try
            {
                return BlockingSocket.ConnectTcp(addresses[i], timeout);
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
        return (server.Trim('[', ']'), SlurmNativeConfig.DefaultPort);
    }
}
