using SlurmNative.Credentials.Accounts;

namespace SlurmNative.Gateway.Login;

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
