namespace SlurmNative.Daemon.Jobs;

/// <summary>A job as slurmctld describes it: whose it is, what state it is in, where it runs.</summary>
public sealed record JobPlacement(uint JobId, uint UserId, string State, IReadOnlyList<string> Nodes)
{
    /// <summary>
    /// States in which a job has, or is getting, steps on its nodes: starting (CONFIGURING), running,
    /// suspended, resizing, and finishing (COMPLETING, while its last steps end).
    /// </summary>
    private static readonly HashSet<string> OnItsNodes = new(StringComparer.Ordinal) { "CONFIGURING", "RUNNING", "SUSPENDED", "RESIZING", "COMPLETING" };

    /// <summary>
    /// States a job never leaves, which slurmctld still lists for a while (MinJobAge). Anything else,
    /// a state a later Slurm adds included, counts as a job that has not ended.
    /// </summary>
    private static readonly HashSet<string> Ended = new(StringComparer.Ordinal)
    {
        "COMPLETED", "CANCELLED", "FAILED", "TIMEOUT", "NODE_FAIL", "PREEMPTED", "BOOT_FAIL", "DEADLINE", "OUT_OF_MEMORY", "REVOKED",
    };

    public bool IsOnItsNodes => OnItsNodes.Contains(State);

    public bool HasEnded => Ended.Contains(State);
}
