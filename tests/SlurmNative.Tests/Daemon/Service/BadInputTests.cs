using System.Buffers.Binary;
using System.Net.Sockets;
using SlurmNative.Credentials.Protocol;
using SlurmNative.Tests.Daemon.Fakes;

namespace SlurmNative.Tests.Daemon.Service;

/// <summary>Hostile or broken peers: each gets a clear error or a clean close, and the daemon keeps serving.</summary>
public class BadInputTests
{
    private static async Task<(FrameKind Kind, Reply Reply)?> SendRawAsync(DaemonHarness daemon, byte[] bytes, bool closeWrite = false)
    {
        using var socket = new Socket(SocketType.Stream, ProtocolType.Tcp);
        await socket.ConnectAsync(daemon.Endpoint);
        await using var stream = new NetworkStream(socket);
        await stream.WriteAsync(bytes);
        if (closeWrite)
            socket.Shutdown(SocketShutdown.Send);
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        var frame = await Frame.ReadAsync(stream, timeout.Token);
        if (frame is null)
            return null;
        Assert.Equal(FrameKind.PlainReply, frame.Value.Kind);
        return (frame.Value.Kind, Reply.DecodePlain(frame.Value.Body));
    }

    private static async Task AssertStillServes(DaemonHarness daemon) =>
        Assert.Equal(ReplyStatus.Ok, daemon.ClientFor(1001).Send(Request.Create(Operation.Ping)).Status);

    private static byte[] Header(uint length, byte version = Frame.Version, byte kind = (byte)FrameKind.Request)
    {
        var header = new byte[6];
        BinaryPrimitives.WriteUInt32BigEndian(header, length);
        header[4] = version;
        header[5] = kind;
        return header;
    }

    [Fact]
    public async Task Oversized_length_is_refused_before_anything_is_allocated()
    {
        await using var daemon = new DaemonHarness();
        var answer = await SendRawAsync(daemon, Header(uint.MaxValue));
        Assert.Equal(ReplyStatus.TooLarge, answer!.Value.Reply.Status);
        await AssertStillServes(daemon);
    }

    [Fact]
    public async Task Truncated_frame_gets_a_clear_error()
    {
        await using var daemon = new DaemonHarness();
        var answer = await SendRawAsync(daemon, [.. Header(100), 1, 2, 3], closeWrite: true);
        Assert.Equal(ReplyStatus.BadRequest, answer!.Value.Reply.Status);
        Assert.Contains("closed in the middle", answer.Value.Reply.Message);
        await AssertStillServes(daemon);
    }

    [Fact]
    public async Task Wrong_protocol_version_names_both_versions()
    {
        await using var daemon = new DaemonHarness();
        var answer = await SendRawAsync(daemon, [.. Header(2, version: 9)]);
        Assert.Equal(ReplyStatus.UnsupportedVersion, answer!.Value.Reply.Status);
        Assert.Contains("version 9", answer.Value.Reply.Message);
    }

    [Fact]
    public async Task Garbage_bytes_are_refused()
    {
        await using var daemon = new DaemonHarness();
        byte[] garbage = "GET / HTTP/1.1\r\nHost: x\r\n\r\n"u8.ToArray();
        var answer = await SendRawAsync(daemon, garbage);
        Assert.NotEqual(ReplyStatus.Ok, answer!.Value.Reply.Status);
        await AssertStillServes(daemon);
    }

    [Fact]
    public async Task An_expired_credential_is_refused_as_unauthenticated()
    {
        await using var daemon = new DaemonHarness();
        var answer = await SendRawAsync(daemon, Frame.Encode(FrameKind.Request, "EXPIRED credential"u8));
        Assert.Equal(ReplyStatus.Unauthenticated, answer!.Value.Reply.Status);
        Assert.Contains("expired", answer.Value.Reply.Message);
    }

    [Fact]
    public async Task Unknown_operation_is_answered_in_a_sealed_reply()
    {
        await using var daemon = new DaemonHarness();
        var request = Request.Create((Operation)42);
        Reply reply = daemon.ClientFor(1001).Send(request);
        Assert.Equal(ReplyStatus.BadRequest, reply.Status);
        Assert.Contains("unknown operation 42", reply.Message);
    }

    [Fact]
    public async Task A_silent_client_is_disconnected_at_the_deadline_while_others_are_served()
    {
        // Long enough that the served client's request, sent at once, is read before its own
        // deadline even when the parallel test run keeps this process's thread pool busy.
        await using var daemon = new DaemonHarness(frameTimeout: TimeSpan.FromSeconds(2));
        var silent = new List<Socket>();
        for (int i = 0; i < 20; i++)
        {
            var socket = new Socket(SocketType.Stream, ProtocolType.Tcp);
            await socket.ConnectAsync(daemon.Endpoint);
            silent.Add(socket);
        }
        await AssertStillServes(daemon);

        // The daemon closes each silent connection: a read returns 0 (end of stream).
        var buffer = new byte[16];
        foreach (Socket socket in silent)
        {
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(5));
            Assert.Equal(0, await socket.ReceiveAsync(buffer, SocketFlags.None, timeout.Token));
            socket.Dispose();
        }
    }

    [Fact]
    public async Task A_request_that_arrives_in_pieces_is_answered_once_complete()
    {
        await using var daemon = new DaemonHarness();
        var request = Request.Create(Operation.Ping);
        byte[] frame = Frame.Encode(FrameKind.Request, new FakeSigner(1001).Sign(request.Encode()));
        using var socket = new Socket(SocketType.Stream, ProtocolType.Tcp);
        await socket.ConnectAsync(daemon.Endpoint);
        await using var stream = new NetworkStream(socket);

        // The daemon finds no request when it accepts, nor a whole one after the first piece.
        await Task.Delay(100);
        await stream.WriteAsync(frame.AsMemory(0, 3));
        await Task.Delay(100);
        await stream.WriteAsync(frame.AsMemory(3));

        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        var answer = await Frame.ReadAsync(stream, timeout.Token);
        Assert.Equal(FrameKind.SealedReply, answer!.Value.Kind);
        Assert.Equal(ReplyStatus.Ok, Reply.Open(request, answer.Value.Body).Status);
    }

    private static async Task<Socket> IdleConnectionAsync(DaemonHarness daemon)
    {
        var socket = new Socket(SocketType.Stream, ProtocolType.Tcp);
        await socket.ConnectAsync(daemon.Endpoint);
        return socket;
    }

    /// <summary>Whether the daemon closed the connection (a read returns end of stream) within <paramref name="wait"/>.</summary>
    private static async Task<bool> ClosedByDaemonAsync(Socket socket, TimeSpan wait)
    {
        using var timeout = new CancellationTokenSource(wait);
        try
        {
            return await socket.ReceiveAsync(new byte[16], SocketFlags.None, timeout.Token) == 0;
        }
        catch (OperationCanceledException)
        {
            return false;
        }
        catch (SocketException)
        {
            return true; // reset
        }
    }

    [Fact]
    public async Task At_the_connection_limit_the_oldest_idle_connection_makes_room_for_a_request()
    {
        await using var daemon = new DaemonHarness(frameTimeout: TimeSpan.FromSeconds(30), maxConnections: 2);
        using Socket oldest = await IdleConnectionAsync(daemon);
        await Task.Delay(100);
        using Socket newer = await IdleConnectionAsync(daemon);
        await Task.Delay(200);

        Assert.Equal(ReplyStatus.Ok, daemon.ClientFor(1001).Send(Request.Create(Operation.Ping)).Status);

        Assert.True(await ClosedByDaemonAsync(oldest, TimeSpan.FromSeconds(5)), "the oldest idle connection should have been closed");
        Assert.False(await ClosedByDaemonAsync(newer, TimeSpan.FromMilliseconds(300)), "only one connection had to make room");
    }

    [Fact]
    public async Task A_host_holding_many_idle_connections_keeps_only_its_newest_and_requests_are_still_served()
    {
        const int limit = 8;
        await using var daemon = new DaemonHarness(frameTimeout: TimeSpan.FromSeconds(30), maxConnections: 1000, maxWaitingPerHost: limit);
        var idle = new List<Socket>();
        for (int i = 0; i < 100; i++)
            idle.Add(await IdleConnectionAsync(daemon));
        try
        {
            Assert.Equal(ReplyStatus.Ok, daemon.ClientFor(1001).Send(Request.Create(Operation.Ping)).Status);

            // "Oldest" is in the daemon's accept order, which the kernel may swap for two connections
            // made microseconds apart: the oldest 80 must go whatever the swaps, and the host keeps at
            // most its limit. Closed sockets answer at once, so the generous wait only costs time when
            // the daemon is wrong (or still draining its accept backlog on a loaded machine).
            const int surelyOldest = 80;
            var oldest = await Task.WhenAll(idle.Take(surelyOldest).Select(s => ClosedByDaemonAsync(s, TimeSpan.FromSeconds(15))));
            Assert.True(oldest.All(c => c), $"the oldest connections are the ones closed; {oldest.Count(c => !c)} of them stayed open");
            var rest = await Task.WhenAll(idle.Skip(surelyOldest).Select(s => ClosedByDaemonAsync(s, TimeSpan.FromSeconds(1))));
            Assert.InRange(rest.Count(c => !c), 1, limit);
        }
        finally
        {
            idle.ForEach(s => s.Dispose());
        }
    }

    [Fact]
    public async Task A_connection_dripping_a_byte_at_a_time_is_closed_at_the_frame_deadline()
    {
        await using var daemon = new DaemonHarness(frameTimeout: TimeSpan.FromSeconds(1));
        using Socket drip = await IdleConnectionAsync(daemon);
        Task<bool> closed = ClosedByDaemonAsync(drip, TimeSpan.FromSeconds(10));
        var clock = System.Diagnostics.Stopwatch.StartNew();
        byte[] header = Header(1000);
        for (int i = 0; !closed.IsCompleted && i < 100; i++)
        {
            try
            {
                await drip.SendAsync(new[] { i < header.Length ? header[i] : (byte)'A' }, SocketFlags.None);
            }
            catch (SocketException)
            {
                break;
            }
            await Task.WhenAny(closed, Task.Delay(100));
        }

        Assert.True(await closed, "the daemon should close a connection that never completes its request");
        Assert.InRange(clock.Elapsed.TotalSeconds, 0.8, 5);
    }

    [Fact]
    public async Task A_reply_sealed_for_another_request_does_not_open()
    {
        var mine = Request.Create(Operation.Get);
        var other = Request.Create(Operation.Get);
        byte[] frame = Reply.Ok([1, 2, 3]).Seal(other);
        var body = frame.AsSpan(6).ToArray();
        var error = Assert.Throws<ProtocolException>(() => Reply.Open(mine, body));
        Assert.Equal(ReplyStatus.Unauthenticated, error.Status);
    }
}
