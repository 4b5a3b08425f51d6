using SlurmNative.Gateway.Configuration;

namespace SlurmNative.Gateway.Policy;

/// <summary>
/// What one user may do, merged from every configured group they belong to. A null set
/// means "any"; <see cref="DefaultPartition"/> is used when a job names none, so a job
/// can never land in a partition the policy did not pick.
/// </summary>
internal sealed record Grant(IReadOnlySet<string> Groups, IReadOnlySet<string>? Partitions, IReadOnlySet<string>? Accounts, string? DefaultPartition, int? MaxTimeMinutes)
{
    public bool AllowsPartition(string partition) => Partitions is null || Partitions.Contains(partition);

    public bool AllowsAccount(string account) => Accounts is null || Accounts.Contains(account);
}

/// <summary>The gateway's group policy: which Unix groups may log in, and what each may use.</summary>
internal sealed class GatewayPolicy(IReadOnlyList<GroupRule> rules)
{
    /// <summary>Null when none of <paramref name="userGroups"/> is allowed to use the gateway.</summary>
    public Grant? GrantFor(IReadOnlySet<string> userGroups)
    {
        var matching = rules.Where(r => userGroups.Contains(r.Group)).ToList();
        if (matching.Count == 0)
            return null;
        return new Grant(
            matching.Select(r => r.Group).ToHashSet(StringComparer.Ordinal),
            Union(matching.Select(r => r.Partitions)),
            Union(matching.Select(r => r.Accounts)),
            matching.SelectMany(r => r.PartitionOrder).FirstOrDefault(),
            matching.Any(r => r.MaxTimeMinutes is null) ? null : matching.Max(r => r.MaxTimeMinutes));
    }

    private static HashSet<string>? Union(IEnumerable<IReadOnlySet<string>?> sets)
    {
        var all = new HashSet<string>(StringComparer.Ordinal);
        foreach (var set in sets)
        {
            if (set is null)
                return null;
            all.UnionWith(set);
        }
        return all;
    }
}
