using System.Net;

namespace SlurmNative.Daemon.Acl;

/// <summary>One ACL line: a role and the conditions a caller must all meet.</summary>
/// <param name="Local"><c>host=local</c>: the daemon's own host, through its Unix socket or a loopback address.</param>
public sealed record AclRule(Role Role, uint? Uid, string? UserName, string? Group, IPNetwork? Network, int LineNumber, bool Local = false)
{
    public bool Matches(Caller caller) =>
        (Uid is null || Uid == caller.Uid)
        && (UserName is null || UserName == caller.UserName)
        && (Group is null || caller.Groups.Contains(Group))
        && (Network is null || (caller.Address is { } address && Network.Value.Contains(Normalise(address))))
        && (!Local || caller.Address is null || IPAddress.IsLoopback(Normalise(caller.Address)));

    private static IPAddress Normalise(IPAddress address) => address.IsIPv4MappedToIPv6 ? address.MapToIPv4() : address;
}
