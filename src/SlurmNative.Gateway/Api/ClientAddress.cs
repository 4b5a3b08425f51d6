using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.Primitives;

namespace SlurmNative.Gateway.Api;

/// <summary>
/// Where a request comes from, for the login throttle and the log. X-Forwarded-For is anybody's to
/// write, so it is read only when the connection itself comes from a trusted proxy, and then from
/// the right: each trusted hop appended the address it saw, and the first address not in the trusted
/// list is the client. An unparsable entry ends the walk at the last hop believed.
/// </summary>
internal static class ClientAddress
{
    public static IPAddress? Resolve(IPAddress? connection, StringValues forwardedFor, IReadOnlyList<IPNetwork> trustedProxies)
    {
        if (connection is null)
            return null;
        IPAddress current = Normalise(connection);
        if (!IsTrusted(current, trustedProxies))
            return current;
        var hops = forwardedFor.SelectMany(v => (v ?? "").Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries)).ToList();
        for (int i = hops.Count - 1; i >= 0; i--)
        {
            if (!IPAddress.TryParse(hops[i], out IPAddress? hop))
                return current;
            current = Normalise(hop);
            if (!IsTrusted(current, trustedProxies))
                return current;
        }
        return current;
    }

    /// <summary>
    /// The throttle's key for an address: IPv6 by its /64, because one host is routinely given a
    /// whole /64 and could otherwise rotate through addresses to escape the per-address limit.
    /// </summary>
    public static string ThrottleKey(IPAddress? address)
    {
        if (address is null)
            return "unknown";
        if (address.AddressFamily != AddressFamily.InterNetworkV6)
            return address.ToString();
        byte[] bytes = address.GetAddressBytes();
        Array.Clear(bytes, 8, 8);
        return new IPAddress(bytes) + "/64";
    }

    private static bool IsTrusted(IPAddress address, IReadOnlyList<IPNetwork> trustedProxies) =>
        trustedProxies.Any(network => network.Contains(address));

    private static IPAddress Normalise(IPAddress address) => address.IsIPv4MappedToIPv6 ? address.MapToIPv4() : address;
}
