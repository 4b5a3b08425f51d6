using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using SlurmNative.Credentials.Protocol;
using SlurmNative.Daemon.Acl;
using SlurmNative.Daemon.Logging;
using SlurmNative.Daemon.Observability;
using SlurmNative.Store;

namespace SlurmNative.Daemon.Service;

/// <summary>
/// Accepts connections on TCP (IPv4, IPv6) and optionally a Unix socket, reads one
/// frame per connection under a deadline, authenticates it, and writes the reply.
/// A peer that is slow, silent, oversized or malformed costs no thread and no buffer
/// while it waits, and at most <see cref="ListenerLimits.FrameTimeout"/>; the
/// <see cref="ConnectionAdmission"/> decides which waiting connections make room for
/// new ones, so that nobody can hold the daemon's connections before authenticating.
/// </summary>
public sealed class CredentialListener(
    IReadOnlyList<EndPoint> endpoints,
    ListenerLimits limits,
    IRequestAuthenticator authenticator,
    IIdentityResolver identities,
    CredentialService service,
    IDaemonLog log,
    DaemonObserver? observer = null)
{
    private readonly DaemonObserver observe = observer ?? DaemonObserver.None;

    /// <summary>
    /// Threads per listening socket that accept and serve. A request spends much of its time
    /// blocked in munge_decode waiting for munged, so two per core keep the cores busy while
    /// others wait; many more would only queue at munged (bench/daemon.sh on 2 cores: 2, 4 and
    /// 8 threads within noise of each other, all far above one accept loop).
    /// </summary>
    private static readonly int AcceptThreads = Math.Clamp(2 * Environment.ProcessorCount, 4, 64);

    private static readonly TimeSpan AcceptRetryDelay = TimeSpan.FromMilliseconds(50);

    private readonly ConnectionAdmission admission = new(limits.MaxConnections, limits.MaxWaitingPerHost, log, onEvicted: (observer ?? DaemonObserver.None).ConnectionEvicted);
    private readonly List<Socket> listeners = [];

    /// <summary>The bound endpoints (with the real port when 0 was asked for).</summary>
    public IReadOnlyList<EndPoint> BoundEndpoints => listeners.Select(l => l.LocalEndPoint!).ToArray();

    public void Start()
    {
        foreach (EndPoint endpoint in endpoints)
            listeners.Add(Bind(endpoint));
    }

    public async Task RunAsync(CancellationToken stop)
    {
        if (listeners.Count == 0)
            Start();
        var loops = new List<Task>();
        foreach (Socket listener in listeners)
        {
            for (int i = 0; i < AcceptThreads; i++)
                loops.Add(StartAcceptThread(listener, stop, $"accept-{loops.Count}"));
        }
        // Closing a listening socket wakes the threads blocked in accept(2) on it.
        using (stop.Register(CloseListeners))
        {
            try
            {
                await Task.WhenAll(loops).ConfigureAwait(false);
            }
            finally
            {
                CloseListeners();
            }
        }
    }

    private void CloseListeners()
    {
        foreach (Socket listener in listeners)
            listener.Dispose();
    }

    private Socket Bind(EndPoint endpoint)
    {
        Socket socket;
        if (endpoint is UnixDomainSocketEndPoint unix)
        {
            string path = unix.ToString();
            // A stale socket from a crashed daemon would make bind fail; only a socket is removed.
            if (File.Exists(path) && (File.GetAttributes(path) & FileAttributes.Directory) == 0 && new FileInfo(path).LinkTarget is null)
                File.Delete(path);
            socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
            socket.Bind(endpoint);
            // Any local user may connect: MUNGE, not the socket's mode, authenticates.
            File.SetUnixFileMode(path, (UnixFileMode)0b110_110_110);
        }
        else
        {
            var ip = (IPEndPoint)endpoint;
            socket = new Socket(ip.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
            if (ip.AddressFamily == AddressFamily.InterNetworkV6)
                socket.DualMode = false; // an explicit [::] and 0.0.0.0 pair must not collide
            socket.SetSocketOption(SocketOptionLevel.Socket, SocketOptionName.ReuseAddress, true);
            socket.Bind(ip);
        }
        socket.Listen(512);
        log.Info($"listening on {socket.LocalEndPoint}");
        return socket;
    }

    private Task StartAcceptThread(Socket listener, CancellationToken stop, string name)
    {
        var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var thread = new Thread(() =>
        {
            try
            {
                AcceptLoop(listener, stop);
                done.SetResult();
            }
            catch (Exception e)
            {
                done.SetException(e);
            }
        })
        { IsBackground = true, Name = name };
        thread.Start();
        return done.Task;
    }

    /// <summary>
    /// A blocking accept, then the connection served on this same thread for as long as it
    /// does not have to wait: a client sends its request with the connection, so the read
    /// usually completes at once, and the MUNGE decode, the store and the reply follow here
    /// without a hop through the epoll thread and the thread pool. Only a peer whose request
    /// is not there yet (or an upload waiting for its commit) continues asynchronously, costing
    /// a connection slot but no thread, and this thread goes back to accept(2).
    /// </summary>
    private void AcceptLoop(Socket listener, CancellationToken stop)
    {
        while (!stop.IsCancellationRequested)
        {
            Socket connection;
            try
            {
                connection = listener.Accept();
            }
            catch (Exception e) when (stop.IsCancellationRequested && e is SocketException or ObjectDisposedException)
            {
                return;
            }
            catch (SocketException e)
            {
                log.Warning($"accept on {listener.LocalEndPoint} failed: {e.Message}");
                // Out of descriptors or memory: do not spin on an error that persists.
                Thread.Sleep(AcceptRetryDelay);
                continue;
            }
            _ = ServeAsync(connection, stop);
        }
    }

    private async Task ServeAsync(Socket connection, CancellationToken stop)
    {
        IPAddress? address = (connection.RemoteEndPoint as IPEndPoint)?.Address;
        string peer = address?.ToString() ?? "local socket";
        using (connection)
        await using (var stream = new NetworkStream(connection, ownsSocket: false))
        {
            // Cancelled at the frame deadline, at stop, or to make room for a newer connection.
            using var waiting = CancellationTokenSource.CreateLinkedTokenSource(stop);
            waiting.CancelAfter(limits.FrameTimeout);
            using ConnectionAdmission.Slot? slot = admission.TryAdmit(peer, waiting, () => HasUnread(connection));
            if (slot is null)
            {
                observe.ConnectionRefused();
                await TryWriteAsync(stream, Reply.Error(ReplyStatus.Busy, "daemon is at its connection limit; retry shortly").EncodePlain()).ConfigureAwait(false);
                return;
            }
            try
            {
                // One request per connection, as every client sends it: waiting for a second
                // frame that never comes costs a pending read and a wake-up per request.
                await ServeOneAsync(connection, stream, slot, waiting.Token, address, peer, stop).ConfigureAwait(false);
            }
            catch (Exception e) when (e is IOException or SocketException or ObjectDisposedException)
            {
                log.Debug($"connection from {peer} ended: {e.Message}");
            }
        }
    }

    // FIONREAD on a socket that is being closed has nothing worth keeping.
    private static bool HasUnread(Socket connection)
    {
        try
        {
            return connection.Available > 0;
        }
        catch (Exception e) when (e is SocketException or ObjectDisposedException)
        {
            return false;
        }
    }

    private async Task ServeOneAsync(Socket connection, NetworkStream stream, ConnectionAdmission.Slot slot, CancellationToken waiting, IPAddress? address, string peer, CancellationToken stop)
    {
        (FrameKind Kind, byte[] Body)? frame;
        try
        {
            // A zero-byte read waits for the first bytes without holding a buffer: a
            // connection that sends nothing costs its socket and nothing more.
            if (connection.Available == 0)
                await connection.ReceiveAsync(Memory<byte>.Empty, SocketFlags.None, waiting).ConfigureAwait(false);
            frame = await Frame.ReadSingleAsync(stream, waiting).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            // A slot closed to make room was counted as evicted by the admission.
            if (!stop.IsCancellationRequested && !slot.Closed)
                observe.ConnectionTimedOut();
            if (!stop.IsCancellationRequested)
                log.Debug($"closed a connection from {peer} that sent no complete request in time, or made room for a newer one");
            return;
        }
        catch (ProtocolException e)
        {
            log.Warning($"bad frame from {peer}: {e.Message}");
            observe.BadFrame();
            await TryWriteAsync(stream, Reply.Error(e.Status, e.Message).EncodePlain()).ConfigureAwait(false);
            return;
        }
        if (frame is null || !slot.RequestArrived())
            return;
        if (frame.Value.Kind != FrameKind.Request)
        {
            observe.BadFrame();
            await TryWriteAsync(stream, Reply.Error(ReplyStatus.BadRequest, "expected a request frame").EncodePlain()).ConfigureAwait(false);
            return;
        }

        Request request;
        AuthenticatedPayload proven;
        try
        {
            proven = authenticator.Authenticate(frame.Value.Body);
            request = Request.Decode(proven.Payload);
        }
        catch (ProtocolException e)
        {
            log.Warning($"refused a request from {peer}: {e.Message}");
            observe.Unauthenticated(address, e.Status, e.Message);
            await TryWriteAsync(stream, Reply.Error(e.Status, e.Message).EncodePlain()).ConfigureAwait(false);
            return;
        }

        // From here the caller is known: the request and its reply get the whole request timeout.
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(stop);
        deadline.CancelAfter(limits.RequestTimeout);
        Reply reply;
        Caller? caller = null;
        long started = observe.Timed ? Stopwatch.GetTimestamp() : 0;
        try
        {
            caller = identities.Resolve(proven.Uid, proven.Gid, address);
            reply = await service.HandleAsync(caller, request, deadline.Token).ConfigureAwait(false);
        }
        catch (StoreUnavailableException e)
        {
            // Not this request's fault, and not the daemon's: the client asks the next daemon.
            log.Warning($"request {request.Operation} from uid {proven.Uid} at {peer}: {e.Message}");
            reply = Reply.Error(ReplyStatus.StoreUnavailable, "store unavailable: this daemon cannot reach its credential database right now; another daemon may");
        }
        catch (Exception e) when (e is not OperationCanceledException || !stop.IsCancellationRequested)
        {
            log.Error($"request {request.Operation} from uid {proven.Uid} at {peer} failed: {e.GetType().Name}: {e.Message}");
            reply = Reply.Error(ReplyStatus.ServerError, "internal error; the daemon's log has the details");
        }
        observe.Served(caller ?? new Caller(proven.Uid, proven.Gid, null, new HashSet<string>(), address), request, reply, started);
        try
        {
            await stream.WriteAsync(reply.Seal(request), deadline.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (!stop.IsCancellationRequested)
        {
            log.Debug($"uid {proven.Uid} at {peer} did not take its reply within the request timeout; closed");
        }
    }

    private static async Task TryWriteAsync(Stream stream, byte[] bytes)
    {
        try
        {
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(1));
            await stream.WriteAsync(bytes, timeout.Token).ConfigureAwait(false);
        }
        catch (Exception e) when (e is IOException or OperationCanceledException or ObjectDisposedException)
        {
            // The peer is gone or not reading; the connection closes either way.
        }
    }
}
