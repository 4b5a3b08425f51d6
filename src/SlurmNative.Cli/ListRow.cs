namespace SlurmNative.Cli;

internal sealed record ListRow(uint Uid, string? User, string Principal, DateTimeOffset Start, DateTimeOffset End, DateTimeOffset RenewTill);
