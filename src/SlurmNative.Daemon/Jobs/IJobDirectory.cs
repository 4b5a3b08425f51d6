using System.Net;

namespace SlurmNative.Daemon.Jobs;

/// <summary>What the daemon asks slurmctld about jobs and nodes (scontrol in production).</summary>
public interface IJobDirectory
{
    /// <summary>The job, or null if slurmctld knows none of that id.</summary>
    /// <exception cref="JobDirectoryException">slurmctld could not be asked.</exception>
    Task<JobPlacement?> FindJobAsync(uint jobId, CancellationToken cancel);

    /// <summary>Every user with a job that has not ended (pending, running, suspended, finishing…).</summary>
    /// <exception cref="JobDirectoryException">slurmctld could not be asked.</exception>
    Task<IReadOnlySet<uint>> UsersWithJobsAsync(CancellationToken cancel);

    /// <summary>The addresses a node is reached at (its NodeAddr, resolved if a name).</summary>
    /// <exception cref="JobDirectoryException">slurmctld could not be asked.</exception>
    Task<IReadOnlyList<IPAddress>> AddressesOfAsync(string node, CancellationToken cancel);
}
