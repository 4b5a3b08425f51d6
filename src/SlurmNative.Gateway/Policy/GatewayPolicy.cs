using SlurmNative.Gateway.Configuration;

namespace SlurmNative.Gateway.Policy;

/// <summary>The gateway's group policy: which Unix groups may log in, and what each may use.</summary>
internal sealed class GatewayPolicy(IReadOnlyList<GroupRule> rules)
{
    /// <summary>
    /// The rules of every configured group in <paramref name="userGroups"/>, in the order gateway.json lists them;
    /// null when none of them may use the gateway.
    /// </summary>
    public Grant? GrantFor(IReadOnlySet<string> userGroups)
    {
        var matching = rules.Where(r => userGroups.Contains(r.Group)).ToList();
        return matching.Count == 0 ? null : new Grant(matching);
    }
}
