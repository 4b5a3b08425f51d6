using System.Net;
using System.Net.Sockets;
using Prometheus;

namespace SlurmNative.Common;

/// <summary>
/// Serves a registry at http://ADDRESS:PORT/metrics with prometheus-net's stand-alone server
/// (HttpListener, its own thread): the threads that serve clients never serve a scrape.
/// Compiled into both slurmnatived and slurmnative-gateway as source, like dotnet/runtime's
/// Common files, so neither carries the other's dependencies.
/// </summary>
internal sealed class MetricsEndpoint : IDisposable
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
            throw new InvalidOperationException($"cannot serve metrics on {address}: {e.Message}; choose a free port for metrics_listen", e);
        }
    }

    public Uri Url => new($"http://{(Address.AddressFamily == AddressFamily.InterNetworkV6 ? $"[{Address.Address}]" : Address.Address.ToString())}:{Address.Port}/metrics");

    public void Dispose() => server.Dispose();
}
