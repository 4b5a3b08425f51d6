using System.Net;
using SlurmNative.Gateway.Api;

namespace SlurmNative.Tests.Gateway.Api;

public class ClientAddressTests
{
    private static readonly IReadOnlyList<IPNetwork> Proxies = [IPNetwork.Parse("10.0.0.0/24"), IPNetwork.Parse("192.168.1.1/32")];

    private static string? Resolve(string connection, params string[] forwardedFor) =>
        ClientAddress.Resolve(IPAddress.Parse(connection), new Microsoft.Extensions.Primitives.StringValues(forwardedFor), Proxies)?.ToString();

    [Fact]
    public void Without_trusted_proxies_the_connections_address_counts_whatever_the_header_says() =>
        Assert.Equal("203.0.113.9", ClientAddress.Resolve(IPAddress.Parse("203.0.113.9"), "198.51.100.1", [])?.ToString());

    [Fact]
    public void A_client_that_is_not_a_trusted_proxy_cannot_choose_its_address_with_the_header() =>
        Assert.Equal("203.0.113.9", Resolve("203.0.113.9", "10.0.0.5, 198.51.100.1"));

    [Fact]
    public void Behind_trusted_proxies_the_first_untrusted_hop_from_the_right_is_the_client()
    {
        Assert.Equal("198.51.100.7", Resolve("10.0.0.5", "198.51.100.7"));
        // The client put a fake address first; the proxies appended what they saw.
        Assert.Equal("198.51.100.7", Resolve("10.0.0.5", "1.2.3.4, 198.51.100.7, 192.168.1.1"));
        Assert.Equal("198.51.100.7", Resolve("10.0.0.5", "1.2.3.4", "198.51.100.7, 10.0.0.9"));
        Assert.Equal("198.51.100.7", Resolve("::ffff:10.0.0.5", "::ffff:198.51.100.7"));
    }

    [Fact]
    public void Garbage_in_the_header_stops_at_the_last_hop_believed()
    {
        Assert.Equal("10.0.0.5", Resolve("10.0.0.5", "198.51.100.7, not-an-address"));
        Assert.Equal("10.0.0.5", Resolve("10.0.0.5"));
    }

    [Fact]
    public void Ipv6_addresses_share_a_budget_per_64()
    {
        Assert.Equal(ClientAddress.ThrottleKey(IPAddress.Parse("2001:db8:1:2::1")), ClientAddress.ThrottleKey(IPAddress.Parse("2001:db8:1:2:ffff::9")));
        Assert.NotEqual(ClientAddress.ThrottleKey(IPAddress.Parse("2001:db8:1:2::1")), ClientAddress.ThrottleKey(IPAddress.Parse("2001:db8:1:3::1")));
        Assert.Equal("198.51.100.7", ClientAddress.ThrottleKey(IPAddress.Parse("198.51.100.7")));
    }
}
