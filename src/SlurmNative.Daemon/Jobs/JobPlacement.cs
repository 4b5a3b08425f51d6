namespace SlurmNative.Daemon.Jobs;

/// <summary>A job as slurmctld describes it: whose it is, what state it is in, where it runs.</summary>
public sealed record JobPlacement(uint JobId, uint UserId, string State, IReadOnlyList<string> Nodes)
{
    /// <summary>
    /// States in which a job has, or is getting, steps on its nodes: starting (CONFIGURING), running,
    /// suspended, resizing, and finishing (COMPLETING, while its last steps end).
    /// </summary>
    private static readonly HashSet<string> OnItsNodes = new(StringComparer.Ordinal) { "CONFIGURING", "RUNNING", "SUSPENDED", "RESIZING", "COMPLETING" };

    public bool IsOnItsNodes => OnItsNodes.Contains(State);
}
