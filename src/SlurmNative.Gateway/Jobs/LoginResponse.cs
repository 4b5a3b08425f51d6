namespace SlurmNative.Gateway.Jobs;

internal sealed record LoginResponse(string Session, string UserName, DateTimeOffset ExpiresAt, string Principal, DateTimeOffset TicketExpiresAt, bool Proxy, bool IssueTokens);
