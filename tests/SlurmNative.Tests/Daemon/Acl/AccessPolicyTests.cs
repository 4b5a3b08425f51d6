using System.Net;
using SlurmNative.Credentials.Protocol;
using SlurmNative.Daemon.Acl;

namespace SlurmNative.Tests.Daemon.Acl;

public class AccessPolicyTests
{
    private static readonly IPAddress Loopback = IPAddress.Loopback;
    private static Caller Alice(IPAddress? from = null) => new(1001, 1001, "alice", new HashSet<string> { "alice", "physics" }, from ?? Loopback);
    private static Caller Bob => new(1002, 1002, "bob", new HashSet<string> { "bob" }, Loopback);
    private static Caller Root => new(0, 0, "root", new HashSet<string> { "root" }, Loopback);
    private static Caller Slurm => new(64030, 64030, "slurm", new HashSet<string> { "slurm" }, Loopback);

    private static readonly AccessPolicy Defaults = AccessPolicy.Default("slurm");

    [Theory]
    [InlineData(Operation.Add)]
    [InlineData(Operation.Get)]
    [InlineData(Operation.Remove)]
    [InlineData(Operation.List)]
    public void A_user_manages_their_own_credential(Operation operation) =>
        Assert.True(Defaults.Authorize(Alice(), operation, 1001).Allowed);

    [Theory]
    [InlineData(Operation.Add)]
    [InlineData(Operation.Get)]
    [InlineData(Operation.Remove)]
    [InlineData(Operation.List)]
    public void A_user_cannot_touch_someone_elses(Operation operation)
    {
        var (allowed, reason) = Defaults.Authorize(Bob, operation, 1001);
        Assert.False(allowed);
        Assert.Contains("uid 1002 with roles 'user'", reason);
        Assert.Contains("uid 1001", reason);
    }

    [Fact]
    public void Root_and_slurm_user_fetch_for_nodes_but_only_root_administers()
    {
        Assert.True(Defaults.Authorize(Root, Operation.Get, 1001).Allowed);
        Assert.True(Defaults.Authorize(Root, Operation.Remove, 1001).Allowed);
        Assert.True(Defaults.Authorize(Slurm, Operation.Get, 1001).Allowed);
        Assert.False(Defaults.Authorize(Slurm, Operation.Remove, 1001).Allowed);
        Assert.False(Defaults.Authorize(Slurm, Operation.Add, 1001).Allowed);
    }

    [Fact]
    public void The_gateway_role_stores_tickets_for_others_and_nothing_more()
    {
        var policy = AccessPolicy.Parse("gateway user=bob host=127.0.0.1\nuser    *\n", "acl.conf");
        Assert.True(policy.Authorize(Bob, Operation.Add, 1001).Allowed);
        Assert.False(policy.Authorize(Bob, Operation.Get, 1001).Allowed);
        Assert.False(policy.Authorize(Bob, Operation.Remove, 1001).Allowed);
        Assert.False(policy.Authorize(Bob, Operation.List, 1001).Allowed);
        Assert.False(policy.Authorize(Bob with { Address = IPAddress.Parse("10.0.0.9") }, Operation.Add, 1001).Allowed);
        Assert.False(policy.Authorize(Alice(), Operation.Add, 1002).Allowed);
    }

    [Fact]
    public void Conditions_combine_and_hosts_match_by_prefix()
    {
        var policy = AccessPolicy.Parse("""
            # nodes live on 10.1.0.0/16
            node  group=physics host=10.1.0.0/16
            """, "acl.conf");
        Assert.True(policy.Authorize(Alice(IPAddress.Parse("10.1.2.3")), Operation.Get, 1002).Allowed);
        Assert.True(policy.Authorize(Alice(IPAddress.Parse("::ffff:10.1.2.3")), Operation.Get, 1002).Allowed);
        Assert.False(policy.Authorize(Alice(IPAddress.Parse("10.2.0.1")), Operation.Get, 1002).Allowed);
        Assert.False(policy.Authorize(Bob with { Address = IPAddress.Parse("10.1.2.3") }, Operation.Get, 1001).Allowed);
    }

    [Fact]
    public void Without_a_matching_rule_only_ping_is_allowed()
    {
        var policy = AccessPolicy.Parse("admin uid=0", "acl.conf");
        Assert.True(policy.Authorize(Alice(), Operation.Ping, 1001).Allowed);
        Assert.False(policy.Authorize(Alice(), Operation.Get, 1001).Allowed);
    }

    [Theory]
    [InlineData("root uid=0", "acl.conf:2: unknown role 'root'")]
    [InlineData("user", "acl.conf:2: rule 'user' has no condition")]
    [InlineData("user colour=blue", "acl.conf:2: unknown condition 'colour'")]
    [InlineData("user uid=abc", "acl.conf:2: uid 'abc' is not a number")]
    [InlineData("node host=10.0.0.0/99", "acl.conf:2: host '10.0.0.0/99'")]
    [InlineData("node uid=1 uid=2", "acl.conf:2: condition 'uid' appears twice")]
    [InlineData("node uid=", "acl.conf:2: condition 'uid=' is not key=value")]
    public void A_malformed_line_is_refused_with_its_line_number(string badLine, string expected)
    {
        var error = Assert.Throws<AclFormatException>(() => AccessPolicy.Parse($"admin uid=0\n{badLine}\n", "acl.conf"));
        Assert.StartsWith(expected, error.Message);
    }
}
