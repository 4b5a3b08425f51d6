using System.Net;
using SlurmNative.Credentials.Client;
using SlurmNative.Daemon.Acl;
using SlurmNative.Daemon.Observability;
using SlurmNative.Daemon.Service;
using SlurmNative.Tests.Daemon.Fakes;

namespace SlurmNative.Tests.Daemon.Service;

/// <summary>A listener on 127.0.0.1 with fake MUNGE, fake Kerberos and an in-memory store.</summary>
internal sealed class DaemonHarness : IAsyncDisposable
{
    private readonly CancellationTokenSource stop = new();
    private readonly Task running;

    public InMemoryStore Store { get; } = new();
    public RecordingDaemonLog Log { get; } = new();
    public IPEndPoint Endpoint { get; }

    public DaemonHarness(TimeSpan? frameTimeout = null, int maxConnections = 64, int maxWaitingPerHost = 64, DaemonObserver? observer = null)
    {
        var service = new CredentialService(Store, () => AccessPolicy.Default("slurm"), new FakeInspector(), Log);
        var limits = new ListenerLimits(frameTimeout ?? TimeSpan.FromSeconds(2), TimeSpan.FromSeconds(5), maxConnections, maxWaitingPerHost);
        var listener = new CredentialListener([new IPEndPoint(IPAddress.Loopback, 0)], limits,
            new FakeAuthenticator(), new FakeIdentities(), service, Log, observer);
        listener.Start();
        Endpoint = (IPEndPoint)listener.BoundEndpoints[0];
        running = listener.RunAsync(stop.Token);
    }

    public DaemonClient ClientFor(uint uid) => new([$"127.0.0.1:{Endpoint.Port}"], TimeSpan.FromSeconds(5), new FakeSigner(uid));

    public async ValueTask DisposeAsync()
    {
        await stop.CancelAsync();
        await running;
        stop.Dispose();
    }
}
