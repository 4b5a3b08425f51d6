using SlurmNative.Gateway.Policy;

namespace SlurmNative.Gateway.Sessions;

/// <summary>Who a session belongs to and what the policy lets them do.</summary>
internal sealed record Session(string UserName, uint Uid, string HomeDirectory, Grant Grant, DateTimeOffset Expires);
