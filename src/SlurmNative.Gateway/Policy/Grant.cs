using SlurmNative.Gateway.Configuration;

namespace SlurmNative.Gateway.Policy;

/// <summary>
/// What one user may do: the rule of each configured group they belong to, each kept whole. A job is
/// allowed when one group's rule allows its partition, its account and its time limit together, so a
/// user in <c>hpc</c> (batch, 1440 min) and <c>gpu</c> (gpu, 60 min) gets 1440 minutes on batch and 60
/// on gpu, never 1440 on gpu. <see cref="DefaultPartition"/> is used when a job names none, so a job can
/// never land in a partition the policy did not pick.
/// </summary>
internal sealed record Grant(IReadOnlyList<GroupRule> Rules)
{
    public IReadOnlySet<string> Groups { get; } = Rules.Select(r => r.Group).ToHashSet(StringComparer.Ordinal);

    /// <summary>The first partition the first of the user's groups lists; null when every rule says "any".</summary>
    public string? DefaultPartition { get; } = Rules.SelectMany(r => r.PartitionOrder).FirstOrDefault();

    /// <summary>
    /// Null when one rule allows <paramref name="partition"/>, <paramref name="account"/> and
    /// <paramref name="minutes"/> together; otherwise why not, for the client. An omitted account is
    /// allowed only by a rule that allows any account (Slurm would otherwise charge the user's default
    /// account, which the policy never saw); an omitted time limit only by a rule without a maximum.
    /// </summary>
    public string? Refusal(string partition, string? account, int? minutes)
    {
        var withPartition = Rules.Where(r => r.Partitions is null || r.Partitions.Contains(partition)).ToList();
        if (withPartition.Count == 0)
            return $"partition '{partition}' is not allowed for your groups; allowed: {Names(Rules.Select(r => r.Partitions))}";

        var withAccount = withPartition.Where(r => r.Accounts is null || (account is not null && r.Accounts.Contains(account))).ToList();
        if (withAccount.Count == 0)
        {
            string allowed = Names(withPartition.Select(r => r.Accounts));
            return account is null
                ? $"account is required with partition '{partition}' for your groups: name one of {allowed}"
                : $"account '{account}' is not allowed with partition '{partition}' for your groups; allowed with it: {allowed}";
        }

        if (withAccount.Any(r => r.MaxTimeMinutes is null))
            return null;
        int longest = withAccount.Max(r => r.MaxTimeMinutes!.Value);
        if (minutes is null)
            return $"time_limit_minutes is required with partition '{partition}' for your groups (at most {longest})";
        return minutes <= longest ? null : $"time_limit_minutes {minutes} is outside 1..{longest} with partition '{partition}' for your groups";
    }

    private static string Names(IEnumerable<IReadOnlySet<string>?> sets) =>
        string.Join(", ", sets.SelectMany(s => s ?? Enumerable.Empty<string>()).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal));
}
