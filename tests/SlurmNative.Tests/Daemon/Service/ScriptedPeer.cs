using System.Net;
using System.Net.Sockets;
using SlurmNative.Credentials.Protocol;
using SlurmNative.Tests.Daemon.Fakes;

namespace SlurmNative.Tests.Daemon.Service;

/// <summary>
/// Something listening where a daemon should be, answering each connection as a script says:
/// the script gets the connection's number and the request it received (readable here because
/// the fakes sign in clear), and returns the bytes to send back, or null to close unanswered.
/// </summary>
internal sealed class ScriptedPeer : IDisposable
{
    private readonly Socket listener = new(SocketType.Stream, ProtocolType.Tcp);
    private readonly Task serving;
    private int connections;

    public int Port { get; }

    /// <summary>How many connections reached this peer.</summary>
    public int Connections => Volatile.Read(ref connections);

    public ScriptedPeer(Func<int, Request, byte[]?> script)
    {
        listener.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        listener.Listen(16);
        Port = ((IPEndPoint)listener.LocalEndPoint!).Port;
        serving = Task.Run(async () =>
        {
            while (true)
            {
                Socket connection;
                try
                {
                    connection = await listener.AcceptAsync();
                }
                catch (Exception e) when (e is SocketException or ObjectDisposedException)
                {
                    return;
                }
                using (connection)
                await using (var stream = new NetworkStream(connection))
                {
                    int n = Interlocked.Increment(ref connections);
                    var frame = await Frame.ReadAsync(stream, CancellationToken.None);
                    var request = Request.Decode(new FakeAuthenticator().Authenticate(frame!.Value.Body).Payload);
                    if (script(n, request) is { } answer)
                        await stream.WriteAsync(answer);
                }
            }
        });
    }

    public void Dispose()
    {
        listener.Dispose();
        serving.Wait(TimeSpan.FromSeconds(5));
    }
}
