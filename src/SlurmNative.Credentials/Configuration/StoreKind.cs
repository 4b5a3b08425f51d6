namespace SlurmNative.Credentials.Configuration;

/// <summary>Where slurmnatived keeps its credentials.</summary>
public enum StoreKind
{
    /// <summary>One file on the daemon's host: one daemon, nothing to install.</summary>
    Sqlite,

    /// <summary>A PostgreSQL database that several daemons share.</summary>
    PostgreSql,
}
