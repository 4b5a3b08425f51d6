namespace SlurmNative.Plugin.Spank;

/// <summary>
/// What a hook may ask of Slurm. The flow classes see only this, so tests drive
/// them with a fake and no Slurm process.
/// </summary>
internal interface ISpankSession
{
    SpankContext Context { get; }

    ForwardingRequest Request { get; }

    /// <summary>The job owner's uid; in local context Slurm has no job yet, so the caller's uid.</summary>
    uint JobUserId { get; }

    /// <summary>Null outside slurmstepd or before the job has an id.</summary>
    uint? JobId { get; }

    uint? StepId { get; }

    /// <summary>The job owner's primary gid (remote context).</summary>
    uint? JobGroupId { get; }

    /// <summary>
    /// The job's environment in slurmstepd; elsewhere the process's own C environment,
    /// which srun and sbatch copy into the job they submit.
    /// </summary>
    string? GetEnvironment(string name);

    /// <returns>false if Slurm refused.</returns>
    bool SetEnvironment(string name, string value);
}
