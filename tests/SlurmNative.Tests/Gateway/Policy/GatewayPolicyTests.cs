using System.Text;
using SlurmNative.Gateway.Configuration;
using SlurmNative.Gateway.Policy;

namespace SlurmNative.Tests.Gateway.Policy;

public class GatewayPolicyTests
{
    private static readonly GatewayPolicy Policy = new(GatewaySettings.Parse(Encoding.UTF8.GetBytes("""
        {"groups": {
          "physics": {"partitions": ["short", "long"], "accounts": ["phys"], "max_time_minutes": 60},
          "chem":    {"partitions": ["gpu"], "accounts": ["*"], "max_time_minutes": 120},
          "staff":   {"partitions": ["*"]}
        }}
        """), "t").Groups);

    [Fact]
    public void A_user_in_no_listed_group_gets_no_grant() =>
        Assert.Null(Policy.GrantFor(new HashSet<string> { "users" }));

    [Fact]
    public void Each_group_allows_what_it_lists_and_the_first_listed_partition_is_the_default()
    {
        Grant grant = Policy.GrantFor(new HashSet<string> { "physics", "chem" })!;
        Assert.Null(grant.Refusal("long", "phys", 60));
        Assert.Null(grant.Refusal("gpu", "anything", 120));
        Assert.Contains("partition 'debug' is not allowed for your groups; allowed: gpu, long, short", grant.Refusal("debug", "phys", 1), StringComparison.Ordinal);
        Assert.Equal("short", grant.DefaultPartition);
    }

    [Fact]
    public void A_groups_partitions_accounts_and_time_limit_stay_together()
    {
        // physics: short/long, account phys, 60 min; chem: gpu, any account, 120 min.
        Grant grant = Policy.GrantFor(new HashSet<string> { "physics", "chem" })!;
        Assert.Contains("time_limit_minutes 120 is outside 1..60 with partition 'long'", grant.Refusal("long", "phys", 120), StringComparison.Ordinal);
        Assert.Contains("account 'chemistry' is not allowed with partition 'short'", grant.Refusal("short", "chemistry", 10), StringComparison.Ordinal);
        Assert.Null(grant.Refusal("gpu", "chemistry", 120));
    }

    [Fact]
    public void A_user_in_hpc_and_gpu_cannot_submit_hpcs_time_limit_to_gpu()
    {
        var policy = new GatewayPolicy(GatewaySettings.Parse("""
            {"groups": {
              "hpc": {"partitions": ["batch"], "accounts": ["*"], "max_time_minutes": 1440},
              "gpu": {"partitions": ["gpu"], "accounts": ["*"], "max_time_minutes": 60}
            }}
            """u8, "t").Groups);
        Grant grant = policy.GrantFor(new HashSet<string> { "hpc", "gpu" })!;
        Assert.Null(grant.Refusal("batch", null, 1440));
        Assert.Null(grant.Refusal("gpu", null, 60));
        Assert.Contains("time_limit_minutes 1440 is outside 1..60 with partition 'gpu'", grant.Refusal("gpu", null, 1440), StringComparison.Ordinal);
        Assert.Contains("time_limit_minutes is required with partition 'gpu' for your groups (at most 60)", grant.Refusal("gpu", null, null), StringComparison.Ordinal);
    }

    [Fact]
    public void An_omitted_account_passes_only_a_group_that_allows_any_account()
    {
        Grant physics = Policy.GrantFor(new HashSet<string> { "physics" })!;
        Assert.Contains("account is required with partition 'short' for your groups: name one of phys", physics.Refusal("short", null, 10), StringComparison.Ordinal);
        Assert.Null(physics.Refusal("short", "phys", 10));
        Grant both = Policy.GrantFor(new HashSet<string> { "physics", "chem" })!;
        Assert.Null(both.Refusal("gpu", null, 10));
        Assert.NotNull(both.Refusal("short", null, 10));
    }

    [Fact]
    public void A_wildcard_group_allows_any_partition_but_names_no_default()
    {
        Grant grant = Policy.GrantFor(new HashSet<string> { "staff" })!;
        Assert.Null(grant.Refusal("whatever", null, null));
        Assert.Null(grant.DefaultPartition);
    }
}
