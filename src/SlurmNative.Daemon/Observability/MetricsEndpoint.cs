using System.Net;
using System.Net.Sockets;
using Prometheus;

namespace SlurmNative.Daemon.Observability;

/// <summary>
/// Serves a registry at http://ADDRESS:PORT/metrics with prometheus-net's stand-alone server
/// (HttpListener, its own thread): the credential listener's threads never serve a scrape.
/// </summary>
public sealed class MetricsEndpoint : IDisposable
{
    private readonly MetricServer server;

    public IPEndPoint Address { get; }

    /// <exception cref="InvalidOperationException">the address cannot be bound, with what to change.</exception>
    public MetricsEndpoint(IPEndPoint address, CollectorRegistry registry)
    {
        Address = address;
        string host = address.AddressFamily == AddressFamily.InterNetworkV6 ? $"[{address.Address}]" : address.Address.ToString();
        server = new MetricServer(host, address.Port, "metrics/", registry);
        try
        {
            server.Start();
        }
        catch (Exception e) when (e is HttpListenerException or SocketException or InvalidOperationException)
        {
            server.Dispose();
            throw new InvalidOperationException($"cannot serve metrics on {address}: {e.Message}; choose a free port in metrics_listen", e);
        }
    }

    public Uri Url => new($"http://{(Address.AddressFamily == AddressFamily.InterNetworkV6 ? $"[{Address.Address}]" : Address.Address.ToString())}:{Address.Port}/metrics");

    public void Dispose() => server.Dispose();
}
