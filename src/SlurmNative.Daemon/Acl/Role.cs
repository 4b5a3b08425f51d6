namespace SlurmNative.Daemon.Acl;

/// <summary>What a matching rule grants. A caller holds the union of every rule that matches.</summary>
[Flags]
public enum Role
{
    None = 0,
    /// <summary>Store, fetch, list and remove one's own credential.</summary>
    User = 1,
    /// <summary>Fetch any user's credential: root or SlurmUser on a cluster host, for the job's node.</summary>
    Node = 2,
    /// <summary>Everything, for every user.</summary>
    Admin = 4,
    /// <summary>
    /// Store a ticket for any user: the REST gateway, which gets users' tickets with their
    /// passwords. Nothing else; the daemon still checks that each ticket's principal maps
    /// to the uid it is stored for.
    /// </summary>
    Gateway = 8,
}
