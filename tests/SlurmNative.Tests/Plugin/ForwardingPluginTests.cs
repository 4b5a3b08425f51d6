using SlurmNative.Credentials.Client;
using SlurmNative.Plugin;
using SlurmNative.Plugin.Configuration;
using SlurmNative.Plugin.Spank;
using SlurmNative.Tests.Plugin.Fakes;

namespace SlurmNative.Tests.Plugin;

public class ForwardingPluginTests
{
    // A job of uid 1234; only slurmstepd (remote) knows the job and step.
    private static FakeSpankSession Session(SpankContext context, ForwardingRequest request) =>
        context == SpankContext.Remote
            ? new FakeSpankSession(context, request, uid: 1234, job: 55, step: 0)
            : new FakeSpankSession(context, request, uid: 1234, job: null, step: null);

    [Theory]
    [InlineData("Unset", false, false)]
    [InlineData("Unset", true, true)]
    [InlineData("Yes", false, true)]
    [InlineData("Done", false, true)]
    [InlineData("No", true, false)]
    public void The_users_option_overrides_the_site_default(string request, bool siteDefault, bool expected) =>
        Assert.Equal(expected, ForwardingPlugin.IsForwarding(Enum.Parse<ForwardingRequest>(request), new PluginSettings(siteDefault)));

    /// <summary>A daemon that is never reachable.</summary>
    private static FakeBackend Unreachable() => new() { DaemonFailure = new DaemonUnreachableException("down") };

    [Fact]
    public void An_active_hook_announces_its_context_and_job()
    {
        var log = new RecordingPluginLog();
        var plugin = new ForwardingPlugin(log, _ => Unreachable());

        int rc = plugin.Run(SpankHook.UserInit, Session(SpankContext.Remote, ForwardingRequest.Unset), ["default=on", "min_uid=1000"]);

        Assert.Equal(-1, rc); // the daemon is down
        Assert.Equal("verbose: active in remote context (user_init, uid 1234 job 55.0)", log.Lines[0]);
    }

    [Theory]
    [InlineData("Local", "InitPostOpt")]
    [InlineData("Local", "Exit")]
    [InlineData("Allocator", "InitPostOpt")]
    [InlineData("Remote", "UserInit")]
    [InlineData("Remote", "Exit")]
    public void Users_below_min_uid_cost_no_backend_and_no_announcement(string contextName, string hookName)
    {
        var context = Enum.Parse<SpankContext>(contextName);
        var hook = Enum.Parse<SpankHook>(hookName);
        var log = new RecordingPluginLog();
        int backends = 0;
        var plugin = new ForwardingPlugin(log, _ => { backends++; return Unreachable(); });

        int rc = plugin.Run(hook, Session(context, ForwardingRequest.Yes), ["default=on", "min_uid=2000"]);

        Assert.Equal(0, rc);
        Assert.Equal(0, backends);
        Assert.DoesNotContain(log.Lines, l => l.StartsWith("verbose: ", StringComparison.Ordinal) || l.StartsWith("error: ", StringComparison.Ordinal) || l.StartsWith("user: ", StringComparison.Ordinal));
    }

    [Fact]
    public void A_bad_argument_fails_the_first_hook_once_and_later_hooks_stay_quiet()
    {
        var log = new RecordingPluginLog();
        var plugin = new ForwardingPlugin(log);
        var session = Session(SpankContext.Local, ForwardingRequest.Yes);

        int first = plugin.Run(SpankHook.InitPostOpt, session, ["default=on", "colour=blue"]);
        int second = plugin.Run(SpankHook.Exit, session, ["default=on", "colour=blue"]);

        Assert.Equal(-1, first);
        Assert.Equal(0, second);
        string line = Assert.Single(log.Lines);
        Assert.StartsWith("error: ", line, StringComparison.Ordinal);
        Assert.Contains("'colour=blue'", line);
    }

    [Fact]
    public void Nothing_is_logged_when_the_user_opted_out()
    {
        var log = new RecordingPluginLog();
        int rc = new ForwardingPlugin(log).Run(SpankHook.InitPostOpt, Session(SpankContext.Local, ForwardingRequest.No), ["default=on"]);
        Assert.Equal(0, rc);
        Assert.Empty(log.Lines);
    }
}
