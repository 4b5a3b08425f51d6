using SlurmNative.Credentials.Accounts;

namespace SlurmNative.Jwt.Files;

/// <summary>The account a key file is handed to, normally SlurmUser.</summary>
public sealed record FileOwner(string Name, uint Uid, uint Gid)
{
    /// <summary>Looks the user up in the name service; its primary group becomes the file's group.</summary>
    public static FileOwner FromUserName(string name)
    {
        PasswdEntry entry = UserDatabase.PasswdByName(name)
            ?? throw new JwtKeyException($"no such user '{name}': name the account slurmctld runs as (SlurmUser in slurm.conf)");
        return new FileOwner(entry.Name, entry.Uid, entry.Gid);
    }
}
