namespace SlurmNative.Jwt.Files;

/// <summary>How private a key file must be.</summary>
public enum KeyFileSecrecy
{
    /// <summary>
    /// Secret keys: nothing for others, and the group may at most read (0600, or 0640 to share the key
    /// with one service through the file's group, as Slurm documents for jwt_hs256.key). Anyone else
    /// who can read it can mint tokens for any user.
    /// </summary>
    Secret,

    /// <summary>Published public keys: readable by all, writable by the owner only (0644).</summary>
    Public,
}
