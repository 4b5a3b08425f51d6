using System.Net;
using SlurmNative.Daemon.Jobs;

namespace SlurmNative.Tests.Daemon.Fakes;

/// <summary>What squeue and the node addresses would say, set by each test; lookups counted.</summary>
internal sealed class FakeJobDirectory : IJobDirectory
{
    public Dictionary<uint, JobPlacement> Jobs { get; } = [];

    /// <summary>Users with a job that the test did not place anywhere.</summary>
    public HashSet<uint> Busy { get; } = [];

    public Dictionary<string, IPAddress[]> Nodes { get; } = [];

    /// <summary>squeue failing, as when slurmctld is down.</summary>
    public bool Unreachable { get; set; }

    public int Lookups { get; private set; }

    public Task<JobPlacement?> FindJobAsync(uint jobId, CancellationToken cancel)
    {
        Lookups++;
        return Task.FromResult(Jobs.GetValueOrDefault(jobId));
    }

    public Task<IReadOnlySet<uint>> UsersWithJobsAsync(CancellationToken cancel) =>
        Unreachable
            ? throw new JobDirectoryException("squeue: Unable to contact slurm controller")
            : Task.FromResult<IReadOnlySet<uint>>(Jobs.Values.Where(j => !j.HasEnded).Select(j => j.UserId).Concat(Busy).ToHashSet());

    public Task<IReadOnlyList<IPAddress>> AddressesOfAsync(string node, CancellationToken cancel) =>
        Task.FromResult<IReadOnlyList<IPAddress>>(Nodes.GetValueOrDefault(node) ?? []);
}
