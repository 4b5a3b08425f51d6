using Microsoft.Win32.SafeHandles;
using SlurmNative.Credentials.Client;
using SlurmNative.Tests.TestSupport;

namespace SlurmNative.Tests.Credentials.Client;

/// <summary>The clients' blocking libc sockets against System.Net listeners, in a private temporary directory.</summary>
public sealed class BlockingSocketTests : IDisposable
{
    private readonly TempDirectory _directory = new();

    public void Dispose() => _directory.Dispose();

    [Fact]
    public void ResolveTakesLiteralsAsIsAndNamesThroughNss()
    {
        ResolvedAddress literal = Assert.Single(BlockingSocket.Resolve("127.0.0.1", 6850));
        Assert.Equal((Interop.Libc.AF_INET, "127.0.0.1:6850"), (literal.Family, literal.Text));
        Assert.Equal(Interop.Libc.AF_INET6, Assert.Single(BlockingSocket.Resolve("::1", 6850)).Family);
        Assert.NotEmpty(BlockingSocket.Resolve("localhost", 6850));
        var error = Assert.Throws<IOException>(() => BlockingSocket.Resolve("no-such-host.invalid", 6850));
        Assert.Contains("no-such-host.invalid", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void UnixAndTcpSocketsConnectSendAndReceiveWithTimeouts()
    {
        string path = _directory.File("daemon.socket");
        using var unixListener = new System.Net.Sockets.Socket(System.Net.Sockets.AddressFamily.Unix, System.Net.Sockets.SocketType.Stream, System.Net.Sockets.ProtocolType.Unspecified);
        unixListener.Bind(new System.Net.Sockets.UnixDomainSocketEndPoint(path));
        unixListener.Listen(1);
        using var tcpListener = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        tcpListener.Start();
        int port = ((System.Net.IPEndPoint)tcpListener.LocalEndpoint).Port;

        using SafeFileHandle unix = BlockingSocket.ConnectUnix(path, TimeSpan.FromSeconds(2));
        using SafeFileHandle tcp = BlockingSocket.ConnectTcp(BlockingSocket.Resolve("127.0.0.1", port)[0], TimeSpan.FromSeconds(2));
        using var unixPeer = unixListener.Accept();
        using var tcpPeer = tcpListener.AcceptSocket();

        BlockingSocket.SendAll(unix, "ping"u8);
        var buffer = new byte[4];
        Assert.Equal(4, unixPeer.Receive(buffer));
        tcpPeer.Send("pong"u8);
        Assert.Equal(4, BlockingSocket.Receive(tcp, buffer));
        Assert.Equal("pong"u8.ToArray(), buffer);

        BlockingSocket.SetTimeout(tcp, Interop.Libc.SO_RCVTIMEO, TimeSpan.FromMilliseconds(50));
        Assert.Throws<TimeoutException>(() => BlockingSocket.Receive(tcp, buffer));
        tcpPeer.Shutdown(System.Net.Sockets.SocketShutdown.Send);
        Assert.Equal(0, BlockingSocket.Receive(tcp, buffer));
        Assert.Throws<IOException>(() => BlockingSocket.ConnectUnix(_directory.File("nobody-listens"), TimeSpan.FromSeconds(1)));
    }
}
