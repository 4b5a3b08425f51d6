using System.Net;
using SlurmNative.Daemon.Acl;
using SlurmNative.Credentials.Accounts;

namespace SlurmNative.Daemon.Service;

/// <summary>Names and groups from the name service (passwd, group, LDAP/SSSD through NSS).</summary>
public sealed class SystemIdentities : IIdentityResolver
{
    public Caller Resolve(uint uid, uint gid, IPAddress? address)
    {
        PasswdEntry? user = UserDatabase.PasswdByUid(uid);
        var groups = new HashSet<string>(StringComparer.Ordinal);
        if (user is not null)
        {
            foreach (uint member in UserDatabase.GroupList(user.Name, gid))
            {
                if (UserDatabase.GroupByGid(member) is { } group)
                    groups.Add(group.Name);
            }
        }
        return new Caller(uid, gid, user?.Name, groups, address);
    }
}
