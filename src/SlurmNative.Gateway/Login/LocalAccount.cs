namespace SlurmNative.Gateway.Login;

/// <summary>A user as the cluster's name service knows them (passwd, group, LDAP/SSSD through NSS).</summary>
internal sealed record LocalAccount(string Name, uint Uid, uint Gid, string HomeDirectory, IReadOnlySet<string> Groups);
