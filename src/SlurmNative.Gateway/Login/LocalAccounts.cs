using SlurmNative.Credentials.Client;
using SlurmNative.Credentials.Protocol;
using SlurmNative.Credentials.Accounts;

namespace SlurmNative.Gateway.Login;

/// <summary>A user as the cluster's name service knows them (passwd, group, LDAP/SSSD through NSS).</summary>
internal sealed record LocalAccount(string Name, uint Uid, uint Gid, string HomeDirectory, IReadOnlySet<string> Groups);

internal interface ILocalAccounts
{
    LocalAccount? Find(string userName);
}

internal sealed class SystemAccounts : ILocalAccounts
{
    public LocalAccount? Find(string userName)
    {
        PasswdEntry? user = UserDatabase.PasswdByName(userName);
        if (user is null)
            return null;
        var groups = new HashSet<string>(StringComparer.Ordinal);
        foreach (uint gid in UserDatabase.GroupList(user.Name, user.Gid))
        {
            if (UserDatabase.GroupByGid(gid) is { } group)
                groups.Add(group.Name);
        }
        return new LocalAccount(user.Name, user.Uid, user.Gid, user.HomeDirectory, groups);
    }
}

/// <summary>Where a logged-in user's ticket goes so that their jobs find it on the nodes.</summary>
internal interface ITicketStore
{
    void Store(uint uid, byte[] credential);
}

/// <summary>
/// slurmnatived, as the gateway's own MUNGE identity storing for <c>uid</c>: the daemon's ACL
/// must give the gateway the <c>gateway</c> role (or admin), and the daemon still checks that
/// the ticket's principal maps to that uid, so the gateway cannot file one user's ticket
/// under another.
/// </summary>
internal sealed class DaemonTicketStore(DaemonClient daemon) : ITicketStore
{
    public void Store(uint uid, byte[] credential) => daemon.Call(Request.Create(Operation.Add, uid, credential));
}
