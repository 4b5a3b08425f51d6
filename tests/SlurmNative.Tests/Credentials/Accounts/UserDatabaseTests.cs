using SlurmNative.Credentials.Accounts;

namespace SlurmNative.Tests.Credentials.Accounts;

/// <summary>Users and groups through NSS, as this machine knows them.</summary>
public sealed class UserDatabaseTests
{
    [Fact]
    public void UserAndGroupLookups()
    {
        PasswdEntry? root = UserDatabase.PasswdByName("root");
        Assert.NotNull(root);
        Assert.Equal(0u, root.Uid);
        Assert.Equal(0u, root.Gid);
        Assert.Equal("/root", root.HomeDirectory);

        Assert.Equal("root", UserDatabase.PasswdByUid(0)?.Name);
        Assert.Null(UserDatabase.PasswdByName("slurmnative-no-such-user"));
        Assert.Equal("root", UserDatabase.GroupByGid(0)?.Name);
        Assert.Equal(0u, UserDatabase.GroupByName("root")?.Gid);
        Assert.Contains(0u, UserDatabase.GroupList("root", 0));
    }
}
