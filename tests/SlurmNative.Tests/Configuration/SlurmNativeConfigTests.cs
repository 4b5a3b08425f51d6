using System.Net;
using SlurmNative.Credentials.Configuration;
using SlurmNative.Tests.TestSupport;

namespace SlurmNative.Tests.Configuration;

public class SlurmNativeConfigTests
{
    [Fact]
    public void The_shipped_example_parses_to_the_built_in_defaults()
    {
        var shipped = SlurmNativeConfig.Load(Path.Combine(Repository.Root, "etc", "slurmnative.conf"));
        var defaults = new SlurmNativeConfig();
        Assert.Equal(defaults.Servers, shipped.Servers);
        Assert.Equal(defaults.ClientTimeout, shipped.ClientTimeout);
        Assert.Equal(defaults.RenewThreshold, shipped.RenewThreshold);
        Assert.Equal(defaults.DaemonUser, shipped.DaemonUser);
    }

    [Theory]
    [InlineData(null, 0u)] // the default, root, needs no lookup
    [InlineData("root", 0u)]
    [InlineData("nobody", 65534u)] // through the name service
    [InlineData("4242", 4242u)]
    public void Daemon_user_is_a_name_or_a_uid(string? value, uint expected)
    {
        var config = SlurmNativeConfig.Parse(value is null ? "" : $"daemon_user = {value}\n", "test.conf");
        Assert.Equal(expected, config.DaemonUid());
    }

    [Fact]
    public void A_daemon_user_that_does_not_exist_is_an_error_that_names_it_and_the_fix()
    {
        var config = SlurmNativeConfig.Parse("daemon_user = no-such-user-here\n", "test.conf");
        var error = Assert.Throws<ConfigException>(() => config.DaemonUid());
        Assert.Contains("daemon_user 'no-such-user-here' is not a user on this host", error.Message);
        Assert.Contains("the user slurmnatived runs as", error.Message);
    }

    [Fact]
    public void Values_are_read_with_units_and_lists()
    {
        var config = SlurmNativeConfig.Parse("""
            servers = a:1, b:2 # failover
            client_timeout = 750ms
            listen = 127.0.0.1:7000, [::1]
            renew_threshold = 2h
            renew_concurrency = 3
            keep_after_last_job = 90m
            """, "test.conf");
        Assert.Equal(TimeSpan.FromMinutes(90), config.KeepAfterLastJob);
        Assert.Equal(TimeSpan.FromHours(1), SlurmNativeConfig.Parse("", "empty.conf").KeepAfterLastJob);
        Assert.Null(SlurmNativeConfig.Parse("keep_after_last_job = never\n", "test.conf").KeepAfterLastJob);
        Assert.Equal(["a:1", "b:2"], config.Servers);
        Assert.Equal(TimeSpan.FromMilliseconds(750), config.ClientTimeout);
        Assert.Equal([new IPEndPoint(IPAddress.Loopback, 7000), new IPEndPoint(IPAddress.IPv6Loopback, SlurmNativeConfig.DefaultPort)], config.Listen);
        Assert.Equal(TimeSpan.FromHours(2), config.RenewThreshold);
        Assert.Equal(3, config.RenewConcurrency);
    }

    [Theory]
    [InlineData("colour = blue", "test.conf:2: unknown key 'colour'")]
    [InlineData("client_timeout = 5", "test.conf:2: client_timeout: '5' has no unit")]
    [InlineData("renew_concurrency = 0", "test.conf:2: renew_concurrency: '0' is not a positive whole number")]
    [InlineData("listen = nowhere", "test.conf:2: listen: 'nowhere' is not an address:port")]
    [InlineData("servers = a:1", "test.conf:2: 'servers' is set twice")]
    [InlineData("just words", "test.conf:2: 'just words' is not 'key = value'")]
    [InlineData("daemon_user =", "test.conf:2: daemon_user: needs a value")]
    [InlineData("client_timeout = 99999999999999d", "test.conf:2: client_timeout: '99999999999999d' is longer than a duration can be")]
    [InlineData("renew_interval = 9223372036854775807ms", "test.conf:2: renew_interval: '9223372036854775807ms' is longer than a duration can be")]
    [InlineData("keep_after_last_job = 0s", "test.conf:2: keep_after_last_job: must be at least 1s")]
    [InlineData("keep_after_last_job = 1", "test.conf:2: keep_after_last_job: '1' has no unit")]
    public void A_bad_line_is_named_with_its_number(string line, string expected)
    {
        var error = Assert.Throws<ConfigException>(() => SlurmNativeConfig.Parse($"servers = x:1\n{line}\n", "test.conf"));
        Assert.StartsWith(expected, error.Message);
    }

    [Theory]
    [InlineData("10675199d", 10675199L * 24 * 3600 * 1000)]
    [InlineData("922337203685477ms", 922337203685477L)]
    [InlineData("0s", 0L)]
    public void The_longest_durations_a_timespan_holds_are_read_exactly(string value, long milliseconds)
    {
        Assert.Equal(TimeSpan.FromMilliseconds(milliseconds), SlurmNativeConfig.Duration(value));
    }
}
