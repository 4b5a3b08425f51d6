using System.Globalization;
using System.Net;
using SlurmNative.Daemon.Acl;

namespace SlurmNative.Daemon.Jobs;

/// <summary>
/// node_fetch = job_bound: a node (root or the Slurm user on a cluster host) gets a user's ticket only
/// for a job of that user running, or starting, on the very host that asks. Root on a compute node is
/// trusted with the tickets of the jobs on that node, and no others.
/// </summary>
public sealed class NodeFetchGuard(IJobDirectory jobs)
{
    /// <returns>null if the fetch may go ahead, else why not, in words for the log and the caller.</returns>
    public async Task<string?> RefusalAsync(Caller caller, uint targetUid, uint? jobId, CancellationToken cancel)
    {
        string host = caller.Address?.ToString() ?? "the daemon's host";
        if (jobId is not uint job)
            return $"node_fetch = job_bound: a node must name the job it fetches uid {targetUid}'s ticket for; upgrade the plugin on {host}, or set node_fetch = any";
        JobPlacement? placement;
        try
        {
            placement = await jobs.FindJobAsync(job, cancel).ConfigureAwait(false);
        }
        catch (JobDirectoryException e)
        {
            return $"cannot tell where job {job} runs: {e.Message}";
        }
        if (placement is null)
            return $"node_fetch = job_bound: slurmctld knows no job {job}";
        if (placement.UserId != targetUid)
            return string.Create(CultureInfo.InvariantCulture, $"node_fetch = job_bound: job {job} is not uid {targetUid}'s");
        if (!placement.IsOnItsNodes)
            return $"node_fetch = job_bound: job {job} is {placement.State}, not running";
        if (caller.Address is not { } address)
            return $"node_fetch = job_bound: job {job} runs on {string.Join(',', placement.Nodes)}, and a request through the daemon's Unix socket comes from none of them";
        IPAddress from = address.IsIPv4MappedToIPv6 ? address.MapToIPv4() : address;
        foreach (string node in placement.Nodes)
        {
            try
            {
                if ((await jobs.AddressesOfAsync(node, cancel).ConfigureAwait(false)).Any(a => (a.IsIPv4MappedToIPv6 ? a.MapToIPv4() : a).Equals(from)))
                    return null;
            }
            catch (JobDirectoryException e)
            {
                return $"cannot tell the addresses of node {node}: {e.Message}";
            }
        }
        return $"node_fetch = job_bound: job {job} runs on {string.Join(',', placement.Nodes)}, not on {host}";
    }
}
