using System.Net;

namespace SlurmNative.Daemon.Acl;

/// <summary>Who is asking: the UID/GID MUNGE proved, what the name service says of them, and where the connection came from.</summary>
public sealed record Caller(uint Uid, uint Gid, string? UserName, IReadOnlySet<string> Groups, IPAddress? Address)
{
    public override string ToString() =>
        $"uid {Uid}{(UserName is null ? "" : $" ({UserName})")} from {(Address is null ? "local socket" : Address.ToString())}";
}
