using System.Net;
using System.Text;
using System.Text.Json.Nodes;
using SlurmNative.Credentials.Audit;
using SlurmNative.Credentials.Configuration;
using SlurmNative.Gateway.Configuration;

namespace SlurmNative.Tests.Credentials.Configuration;

/// <summary>metrics_listen, metrics_allow_remote and audit, in slurmnative.conf and gateway.json.</summary>
public class ObservabilitySettingsTests
{
    private static GatewaySettings Gateway(params (string Name, JsonNode Value)[] settings)
    {
        var json = new JsonObject { ["groups"] = new JsonObject { ["hpc"] = new JsonObject() } };
        foreach ((string name, JsonNode value) in settings)
            json[name] = value;
        return GatewaySettings.Parse(Encoding.UTF8.GetBytes(json.ToJsonString()), "gateway.json");
    }

    [Fact]
    public void Metrics_are_off_and_audit_goes_to_syslog_by_default()
    {
        var config = SlurmNativeConfig.Parse("", "test.conf");
        Assert.Null(config.MetricsListen);
        Assert.Equal(AuditDestinationKind.Syslog, config.Audit.Kind);
        Assert.Null(Gateway().MetricsListen);
        Assert.Equal(AuditDestinationKind.Syslog, Gateway().Audit.Kind);
    }

    [Theory]
    [InlineData("127.0.0.1:9850")]
    [InlineData("[::1]:9850")]
    public void A_loopback_metrics_address_is_accepted(string address)
    {
        Assert.Equal(IPEndPoint.Parse(address), SlurmNativeConfig.Parse($"metrics_listen = {address}\n", "test.conf").MetricsListen);
        Assert.Equal(IPEndPoint.Parse(address), Gateway(("metrics_listen", address)).MetricsListen);
    }

    [Fact]
    public void Another_address_is_refused_unless_remote_metrics_are_allowed()
    {
        var refused = Assert.Throws<ConfigException>(() => SlurmNativeConfig.Parse("metrics_listen = 0.0.0.0:9850\n", "test.conf"));
        Assert.Contains("not a loopback address", refused.Message);
        Assert.Contains("metrics_allow_remote = yes", refused.Message);
        var allowed = SlurmNativeConfig.Parse("metrics_listen = 10.0.0.5:9850\nmetrics_allow_remote = yes\n", "test.conf");
        Assert.Equal(IPEndPoint.Parse("10.0.0.5:9850"), allowed.MetricsListen);

        var gateway = Assert.Throws<GatewaySettingsException>(() => Gateway(("metrics_listen", "0.0.0.0:9851")));
        Assert.Contains("metrics_allow_remote", gateway.Message);
        Assert.NotNull(Gateway(("metrics_listen", "0.0.0.0:9851"), ("metrics_allow_remote", true)).MetricsListen);
    }

    [Theory]
    [InlineData("metrics_listen = 127.0.0.1\n")] // no port
    [InlineData("metrics_listen = localhost:9850\n")]
    [InlineData("metrics_allow_remote = maybe\n")]
    [InlineData("audit = stderr\n")]
    public void Malformed_values_name_the_line(string text)
    {
        var error = Assert.Throws<ConfigException>(() => SlurmNativeConfig.Parse(text, "test.conf"));
        Assert.StartsWith("test.conf:1: ", error.Message);
    }

    [Fact]
    public void Audit_destinations_are_read_from_both_files()
    {
        Assert.Equal(new AuditDestination(AuditDestinationKind.File, "/var/log/slurmnative/audit.log"),
            SlurmNativeConfig.Parse("audit = file:/var/log/slurmnative/audit.log\n", "test.conf").Audit);
        Assert.Equal(AuditDestinationKind.Journal, Gateway(("audit", "journal")).Audit.Kind);
        Assert.Contains("audit:", Assert.Throws<GatewaySettingsException>(() => Gateway(("audit", "elsewhere"))).Message);
    }
}
