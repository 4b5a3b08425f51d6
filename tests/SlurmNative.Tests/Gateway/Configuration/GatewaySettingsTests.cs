using System.Text;
using SlurmNative.Gateway.Configuration;

namespace SlurmNative.Tests.Gateway.Configuration;

public class GatewaySettingsTests
{
    private static GatewaySettings Parse(string json) => GatewaySettings.Parse(Encoding.UTF8.GetBytes(json), "gateway.json");

    [Fact]
    public void The_shipped_example_parses_with_comments_and_its_defaults()
    {
        string path = Path.Combine(SlurmNative.Tests.TestSupport.Repository.Root, "etc", "gateway.json");
        GatewaySettings settings = GatewaySettings.Load(path);
        Assert.True(settings.Proxy);
        Assert.False(settings.IssueTokens);
        Assert.Equal(TimeSpan.FromSeconds(60), settings.ProxyTokenLifespan);
        Assert.Equal("hpc", Assert.Single(settings.Groups).Group);
        Assert.True(settings.VerifyKdc);
        Assert.Equal("/etc/krb5.keytab", settings.Keytab);
        Assert.Null(settings.VerifyPrincipal);
        Assert.Empty(settings.TrustedProxies);
        Assert.Equal(20, settings.MaxSessionsPerUser);
    }

    [Fact]
    public void Kdc_verification_and_trusted_proxies_are_read()
    {
        GatewaySettings settings = Parse("""
            {"groups": {"hpc": {}}, "verify_kdc": false, "keytab": "FILE:/etc/slurmnative/gateway.keytab",
             "verify_principal": "slurmnative-gw/gw.example.org", "trusted_proxies": ["10.1.2.3", "192.168.0.0/16", "::ffff:10.9.9.9"],
             "sessions": {"max_per_user": 3}}
            """);
        Assert.False(settings.VerifyKdc);
        Assert.Equal("FILE:/etc/slurmnative/gateway.keytab", settings.Keytab);
        Assert.Equal("slurmnative-gw/gw.example.org", settings.VerifyPrincipal);
        Assert.Equal(["10.1.2.3/32", "192.168.0.0/16", "10.9.9.9/32"], settings.TrustedProxies.Select(n => n.ToString()));
        Assert.Equal(3, settings.MaxSessionsPerUser);
    }

    [Theory]
    [InlineData("{\"groups\":{\"hpc\":{}},\"listne\":\"x\"}", "unknown key at $.listne")]
    [InlineData("{\"groups\":{\"hpc\":{\"partitons\":[\"a\"]}}}", "unknown key at $.groups.hpc.partitons")]
    [InlineData("{}", "groups is empty")]
    [InlineData("{\"groups\":{\"hpc\":{}},\"modes\":{\"proxy\":false}}", "both proxy and issue_tokens are off")]
    [InlineData("{\"groups\":{\"hpc\":{}},\"jwt\":{\"hs256_key\":\"/a\",\"rs256_key_set\":\"/b\"}}", "more than one signing key")]
    [InlineData("{\"groups\":{\"hpc\":{}},\"jwt\":{\"slurm_jwks\":\"/etc/slurm/slurm.jwks\"}}", "auth/jwt, which reads AuthAltParameters=jwt_key= or jwks=")]
    [InlineData("{\"groups\":{\"hpc\":{}},\"jwt\":{\"hs256_key\":\"relative\"}}", "must be absolute")]
    [InlineData("{\"groups\":{\"hpc\":{}},\"sessions\":{\"lifetime\":\"8\"}}", "sessions.lifetime")]
    [InlineData("{\"groups\":{\"hpc\":{\"partitions\":[\"a;b\"]}}}", "not a Slurm partition")]
    [InlineData("{\"groups\":{\"hpc\":{}},\"slurmrestd\":\"ftp://x\"}", "not an http")]
    [InlineData("{\"groups\":{\"hpc\":{}},\"groups\":{}}", "appears twice")]
    [InlineData("{\"groups\":", "not valid JSON")]
    [InlineData("{\"groups\":{\"hpc\":{}},\"trusted_proxies\":[\"proxy.example.org\"]}", "trusted_proxies: 'proxy.example.org' is not an address")]
    [InlineData("{\"groups\":{\"hpc\":{}},\"verify_principal\":\"host/a b\"}", "verify_principal 'host/a b' is not a principal name")]
    [InlineData("{\"groups\":{\"hpc\":{}},\"sessions\":{\"max_per_user\":0}}", "sessions.max_per_user must be a positive number")]
    [InlineData("{\"groups\":{\"hpc\":{}},\"verify_kdc\":\"no\"}", "wrong type of value at $.verify_kdc")]
    public void A_bad_file_is_refused_with_a_message_naming_the_problem(string json, string expected)
    {
        var e = Assert.Throws<GatewaySettingsException>(() => Parse(json));
        Assert.Contains(expected, e.Message, StringComparison.Ordinal);
        Assert.StartsWith("gateway.json: ", e.Message, StringComparison.Ordinal);
    }
}
