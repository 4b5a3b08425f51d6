using System.Net;
using SlurmNative.Credentials.Configuration;
using SlurmNative.Tests.TestSupport;

namespace SlurmNative.Tests.Credentials.Configuration;

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

    [Fact]
    public void Store_names_sqlite_or_postgresql_and_database_still_means_sqlite()
    {
        Assert.Equal(StoreLocation.Sqlite("/var/lib/slurmnative/credentials.db"), new SlurmNativeConfig().Store);
        Assert.Equal(StoreLocation.Sqlite("/srv/creds.db"), SlurmNativeConfig.Parse("database = /srv/creds.db\n", "test.conf").Store);
        Assert.Equal(StoreLocation.Sqlite("/srv/creds.db"), SlurmNativeConfig.Parse("store = sqlite:/srv/creds.db\n", "test.conf").Store);

        var shared = SlurmNativeConfig.Parse("store = postgresql:Host=db1;Database=slurmnative;Username=sn;SSL Mode=VerifyFull\nstore_password_file = /etc/slurmnative/store.password\n", "test.conf");
        Assert.Equal(new StoreLocation(StoreKind.PostgreSql, "Host=db1;Database=slurmnative;Username=sn;SSL Mode=VerifyFull"), shared.Store);
        Assert.Equal("/etc/slurmnative/store.password", shared.StorePasswordFile);
    }

    [Theory]
    [InlineData("store = mysql:Host=db1", "names no store: write sqlite:")]
    [InlineData("store = postgresql:", "needs a connection string")]
    [InlineData("store = sqlite:", "needs the database file's path")]
    [InlineData("store = sqlite:/a.db\ndatabase = /b.db", "test.conf:2: both 'store' and 'database' are set: keep 'store'")]
    [InlineData("server_order = roundrobin", "write listed (the first server is the primary) or random")]
    public void A_bad_store_or_server_order_is_an_error_naming_the_fix(string text, string expected)
    {
        var error = Assert.Throws<ConfigException>(() => SlurmNativeConfig.Parse(text + "\n", "test.conf"));
        Assert.Contains(expected, error.Message);
    }

    [Fact]
    public void Servers_are_tried_in_listed_order_unless_random_is_asked_for()
    {
        Assert.Equal(ServerOrder.Listed, new SlurmNativeConfig().ServerOrder);
        Assert.Equal(ServerOrder.Random, SlurmNativeConfig.Parse("server_order = random\n", "test.conf").ServerOrder);
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
