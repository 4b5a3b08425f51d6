namespace SlurmNative.Gateway.Configuration;

/// <summary>What one group of users may do through the gateway; null sets mean "any".</summary>
internal sealed record GroupRule(string Group, IReadOnlySet<string>? Partitions, IReadOnlySet<string>? Accounts, IReadOnlyList<string> PartitionOrder, int? MaxTimeMinutes);
