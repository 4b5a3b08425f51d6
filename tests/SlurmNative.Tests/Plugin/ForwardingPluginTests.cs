using SlurmNative.Credentials.Client;
using SlurmNative.Credentials.Kerberos;
using SlurmNative.Plugin;
using SlurmNative.Plugin.Backend;
using SlurmNative.Plugin.Configuration;
using SlurmNative.Plugin.Spank;

namespace SlurmNative.Tests.Plugin;

public class ForwardingPluginTests
{
    private sealed class FakeSession(SpankContext context, ForwardingRequest request) : ISpankSession
    {
        public SpankContext Context => context;
        public ForwardingRequest Request => request;
        public uint JobUserId => 1234;
        public uint? JobId => context == SpankContext.Remote ? 55u : null;
        public uint? StepId => context == SpankContext.Remote ? 0u : null;
        public uint? JobGroupId => context == SpankContext.Remote ? 1234u : null;
        public Dictionary<string, string> Environment { get; } = [];
        public string? GetEnvironment(string name) => Environment.GetValueOrDefault(name);
        public bool SetEnvironment(string name, string value) => Environment.TryAdd(name, value) || (Environment[name] = value) == value;
    }

    private sealed class RecordingLog : IPluginLog
    {
        public List<(string Level, string Message)> Lines { get; } = [];
        public void Error(string message) => Lines.Add(("error", message));
        public void User(string message) => Lines.Add(("user", message));
        public void Info(string message) => Lines.Add(("info", message));
        public void Verbose(string message) => Lines.Add(("verbose", message));
        public void Debug(string message) => Lines.Add(("debug", message));
    }

    [Theory]
    [InlineData("Unset", false, false)]
    [InlineData("Unset", true, true)]
    [InlineData("Yes", false, true)]
    [InlineData("Done", false, true)]
    [InlineData("No", true, false)]
    public void The_users_option_overrides_the_site_default(string request, bool siteDefault, bool expected) =>
        Assert.Equal(expected, ForwardingPlugin.IsForwarding(Enum.Parse<ForwardingRequest>(request), new PluginSettings(siteDefault)));

    /// <summary>A daemon that is never reachable; counts how often the plugin built one.</summary>
    private sealed class UnreachableBackend : ICredentialBackend
    {
        public byte[] ReadUserTicket() => throw new KerberosUserException("no ticket-granting ticket in your credential cache; run kinit");
        public void Upload(byte[] ticket) => throw new DaemonUnreachableException("down");
        public byte[] Fetch(uint uid, uint jobId) => throw new DaemonUnreachableException("down");
        public Func<byte[]> SignFetch(uint uid, uint jobId) => () => Fetch(uid, jobId);
        public byte[] RenewAtKdc(byte[] ticket) => throw new InvalidOperationException("not in this test");
        public TicketTimes Describe(byte[] ticket) => throw new InvalidOperationException("not in this test");
    }

    [Fact]
    public void An_active_hook_announces_its_context_and_job()
    {
        var log = new RecordingLog();
        var plugin = new ForwardingPlugin(log, _ => new UnreachableBackend());

        int rc = plugin.Run(SpankHook.UserInit, new FakeSession(SpankContext.Remote, ForwardingRequest.Unset), ["default=on", "min_uid=1000"]);

        Assert.Equal(-1, rc); // the daemon is down
        var line = log.Lines[0];
        Assert.Equal("verbose", line.Level);
        Assert.Equal("active in remote context (user_init, uid 1234 job 55.0)", line.Message);
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
        var log = new RecordingLog();
        int backends = 0;
        var plugin = new ForwardingPlugin(log, _ => { backends++; return new UnreachableBackend(); });

        int rc = plugin.Run(hook, new FakeSession(context, ForwardingRequest.Yes), ["default=on", "min_uid=2000"]);

        Assert.Equal(0, rc);
        Assert.Equal(0, backends);
        Assert.DoesNotContain(log.Lines, l => l.Level is "verbose" or "error" or "user");
    }

    [Fact]
    public void A_bad_argument_fails_the_first_hook_once_and_later_hooks_stay_quiet()
    {
        var log = new RecordingLog();
        var plugin = new ForwardingPlugin(log);
        var session = new FakeSession(SpankContext.Local, ForwardingRequest.Yes);

        int first = plugin.Run(SpankHook.InitPostOpt, session, ["default=on", "colour=blue"]);
        int second = plugin.Run(SpankHook.Exit, session, ["default=on", "colour=blue"]);

        Assert.Equal(-1, first);
        Assert.Equal(0, second);
        var line = Assert.Single(log.Lines);
        Assert.Equal("error", line.Level);
        Assert.Contains("'colour=blue'", line.Message);
    }

    [Fact]
    public void Nothing_is_logged_when_the_user_opted_out()
    {
        var log = new RecordingLog();
        int rc = new ForwardingPlugin(log).Run(SpankHook.InitPostOpt, new FakeSession(SpankContext.Local, ForwardingRequest.No), ["default=on"]);
        Assert.Equal(0, rc);
        Assert.Empty(log.Lines);
    }
}
