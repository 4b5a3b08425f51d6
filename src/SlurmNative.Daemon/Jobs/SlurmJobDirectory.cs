using System.Diagnostics;
using System.Net;
using System.Text.Json;

namespace SlurmNative.Daemon.Jobs;

/// <summary>
/// Jobs and nodes as <c>squeue --json</c> and <c>sinfo --json</c> (or, where sinfo groups nodes,
/// <c>scontrol --json show nodes</c>) print them: structured output, so
/// nothing a user chooses (a job name, a working directory) can pose as a job's owner or its nodes,
/// as it could in scontrol's key=value text. Slurm 22.05 prints every job whatever filter is given, so
/// one listing serves every request for <see cref="JobTtl"/> (a job start on ten thousand nodes asks
/// slurmctld once); a job not in it is looked for again at once, since it may have just started.
/// Node addresses change rarely and are kept for <see cref="NodeTtl"/>.
/// </summary>
public sealed class SlurmJobDirectory(string? slurmConf, TimeProvider? clock = null) : IJobDirectory
{
    public static readonly TimeSpan JobTtl = TimeSpan.FromSeconds(5);
    public static readonly TimeSpan NodeTtl = TimeSpan.FromMinutes(1);
    private static readonly TimeSpan CommandTimeout = TimeSpan.FromSeconds(30);
    private static readonly TimeSpan MinimumRelist = TimeSpan.FromSeconds(1);

    private readonly TimeProvider time = clock ?? TimeProvider.System;
    private readonly SemaphoreSlim listing = new(1, 1);
    private readonly SemaphoreSlim nodeListing = new(1, 1);
    private (DateTimeOffset At, IReadOnlyDictionary<uint, JobPlacement> Jobs)? jobs;
    private (DateTimeOffset At, IReadOnlyDictionary<string, IReadOnlyList<IPAddress>> Nodes)? nodes;
    private bool nodesFromScontrol;

    public async Task<JobPlacement?> FindJobAsync(uint jobId, CancellationToken cancel)
    {
        var snapshot = jobs;
        if (snapshot is { } fresh && time.GetUtcNow() - fresh.At < JobTtl && fresh.Jobs.TryGetValue(jobId, out JobPlacement? known))
            return known;
        // Another request may list (with this job in it) while this one waits.
        var listed = await ListJobsAsync(l => l.Jobs.ContainsKey(jobId) && time.GetUtcNow() - l.At < JobTtl, cancel).ConfigureAwait(false);
        return listed.GetValueOrDefault(jobId);
    }

    public async Task<IReadOnlySet<uint>> UsersWithJobsAsync(CancellationToken cancel)
    {
        var listed = await ListJobsAsync(l => time.GetUtcNow() - l.At < JobTtl, cancel).ConfigureAwait(false);
        return listed.Values.Where(job => !job.HasEnded).Select(job => job.UserId).ToHashSet();
    }

    /// <summary>The last listing if <paramref name="enough"/>, else a new one.</summary>
    private async Task<IReadOnlyDictionary<uint, JobPlacement>> ListJobsAsync(
        Func<(DateTimeOffset At, IReadOnlyDictionary<uint, JobPlacement> Jobs), bool> enough, CancellationToken cancel)
    {
        await listing.WaitAsync(cancel).ConfigureAwait(false);
        try
        {
            var snapshot = jobs;
            if (snapshot is { } listed && enough(listed))
                return listed.Jobs;
            // Lists at most once a second, whatever ids are asked for: a flood of unknown ones costs slurmctld little.
            TimeSpan age = snapshot is { } last ? time.GetUtcNow() - last.At : TimeSpan.MaxValue;
            if (age < MinimumRelist)
                await Task.Delay(MinimumRelist - age, time, cancel).ConfigureAwait(false);
            using JsonDocument document = await RunJsonAsync("squeue", ["--json", "--all"], cancel).ConfigureAwait(false);
            var fresh = ParseJobs(document.RootElement);
            jobs = (time.GetUtcNow(), fresh);
            return fresh;
        }
        finally
        {
            listing.Release();
        }
    }

    public async Task<IReadOnlyList<IPAddress>> AddressesOfAsync(string node, CancellationToken cancel)
    {
        if (nodes is not { } snapshot || time.GetUtcNow() - snapshot.At >= NodeTtl || !snapshot.Nodes.ContainsKey(node))
        {
            await nodeListing.WaitAsync(cancel).ConfigureAwait(false);
            try
            {
                if (nodes is not { } again || time.GetUtcNow() - again.At >= MinimumRelist)
                    nodes = (time.GetUtcNow(), await ListNodesAsync(cancel).ConfigureAwait(false));
                snapshot = nodes!.Value;
            }
            finally
            {
                nodeListing.Release();
            }
        }
        return snapshot.Nodes.GetValueOrDefault(node) ?? [];
    }

    /// <summary>The jobs of a <c>squeue --json</c> listing; job_state is a string up to Slurm 23.02 and a list of flags from 23.11.</summary>
    /// <exception cref="JobDirectoryException">the listing is not of that shape.</exception>
    internal static IReadOnlyDictionary<uint, JobPlacement> ParseJobs(JsonElement root) => Readable(() => ReadJobs(root));

    private static IReadOnlyDictionary<uint, JobPlacement> ReadJobs(JsonElement root)
    {
        var result = new Dictionary<uint, JobPlacement>();
        foreach (JsonElement job in Array(root, "jobs"))
        {
            uint id = Number(job, "job_id");
            JsonElement state = Property(job, "job_state");
            JsonElement first = state.ValueKind == JsonValueKind.Array ? state.EnumerateArray().FirstOrDefault() : state;
            // A state this class cannot read is no answer: taken as "" it would pass for a running job.
            string stateName = first.ValueKind == JsonValueKind.String
                ? first.GetString()!
                : throw new JobDirectoryException($"Slurm's JSON has a job {id} whose job_state is not a name");
            string nodeList = job.TryGetProperty("nodes", out JsonElement n) && n.ValueKind == JsonValueKind.String ? n.GetString()! : "";
            IReadOnlyList<string> hosts;
            try
            {
                hosts = nodeList.Length == 0 ? [] : HostList.Expand(nodeList);
            }
            catch (FormatException e)
            {
                throw new JobDirectoryException($"Slurm's JSON has a job {id} whose nodes are not a host list: {e.Message}");
            }
            result[id] = new JobPlacement(id, Number(job, "user_id"), stateName, hosts);
        }
        return result;
    }

    /// <summary>Each node of a <c>sinfo --json</c> (22.05) or <c>scontrol --json show nodes</c> listing with the address to resolve: its own, or else its name.</summary>
    /// <exception cref="JobDirectoryException">the listing is not of that shape.</exception>
    internal static IReadOnlyDictionary<string, string> ParseNodes(JsonElement root) => Readable(() => ReadNodes(root));

    private static IReadOnlyDictionary<string, string> ReadNodes(JsonElement root)
    {
        var result = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (JsonElement node in Array(root, "nodes"))
        {
            JsonElement nameValue = Property(node, "name");
            string name = nameValue.ValueKind == JsonValueKind.String ? nameValue.GetString()! : "";
            if (name.Length == 0)
                continue;                                        // no caller's node can match it
            string address = node.TryGetProperty("address", out JsonElement a) && a.ValueKind == JsonValueKind.String ? a.GetString()! : "";
            // The resolver answers an empty name with this host's own addresses.
            result[name] = address.Length == 0 ? name : address;
        }
        return result;
    }

    /// <summary>
    /// Each node's addresses. Up to Slurm 22.05 <c>sinfo --json</c> lists nodes one by one with their
    /// address; later releases (25.05 and 25.11 were checked) group them by state without the address, and
    /// <c>scontrol --json show nodes</c> (which 22.05 does not have) lists them one by one instead.
    /// </summary>
    private async Task<IReadOnlyDictionary<string, IReadOnlyList<IPAddress>>> ListNodesAsync(CancellationToken cancel)
    {
        if (!nodesFromScontrol)
        {
            using JsonDocument sinfo = await RunJsonAsync("sinfo", ["--json"], cancel).ConfigureAwait(false);
            if (!IsGroupedSinfo(sinfo.RootElement))
                return await ParseNodesAsync(sinfo.RootElement, cancel).ConfigureAwait(false);
            nodesFromScontrol = true;
        }
        using JsonDocument scontrol = await RunJsonAsync("scontrol", ["--json", "show", "nodes"], cancel).ConfigureAwait(false);
        return await ParseNodesAsync(scontrol.RootElement, cancel).ConfigureAwait(false);
    }

    /// <summary>Whether a <c>sinfo --json</c> listing is of the grouped kind (25.05 and 25.11 print this kind).</summary>
    internal static bool IsGroupedSinfo(JsonElement root) =>
        root.ValueKind == JsonValueKind.Object && root.TryGetProperty("sinfo", out JsonElement groups) && groups.ValueKind == JsonValueKind.Array
        && !root.TryGetProperty("nodes", out _);

    private static async Task<IReadOnlyDictionary<string, IReadOnlyList<IPAddress>>> ParseNodesAsync(JsonElement root, CancellationToken cancel)
    {
        var result = new Dictionary<string, IReadOnlyList<IPAddress>>(StringComparer.Ordinal);
        foreach ((string name, string address) in ParseNodes(root))
        {
            result[name] = IPAddress.TryParse(address, out IPAddress? literal)
                ? [literal]
                : await ResolveAsync(address, cancel).ConfigureAwait(false);
        }
        return result;
    }

    private static async Task<IReadOnlyList<IPAddress>> ResolveAsync(string host, CancellationToken cancel)
    {
        try
        {
            return await Dns.GetHostAddressesAsync(host, cancel).ConfigureAwait(false);
        }
        catch (System.Net.Sockets.SocketException)
        {
            return []; // a node whose name does not resolve matches no caller
        }
    }

    /// <summary>
    /// JsonDocument takes invalid UTF-8 and lone surrogate escapes (\ud800) inside strings and throws
    /// InvalidOperationException only when such a name or string is read; every read here checks the
    /// kind first, so that is the one way it can arise.
    /// </summary>
    private static T Readable<T>(Func<T> read)
    {
        try
        {
            return read();
        }
        catch (InvalidOperationException e)
        {
            throw new JobDirectoryException($"Slurm's JSON has a name or string that is not text ({e.Message})");
        }
    }

    private static JsonElement Property(JsonElement element, string name) =>
        element.ValueKind == JsonValueKind.Object && element.TryGetProperty(name, out JsonElement value)
            ? value
            : throw new JobDirectoryException($"Slurm's JSON has no '{name}'; this Slurm release prints jobs another way");

    private static JsonElement.ArrayEnumerator Array(JsonElement element, string name)
    {
        JsonElement value = Property(element, name);
        return value.ValueKind == JsonValueKind.Array
            ? value.EnumerateArray()
            : throw new JobDirectoryException($"Slurm's JSON has a '{name}' that is not a list; this Slurm release prints jobs another way");
    }

    private static uint Number(JsonElement element, string name)
    {
        JsonElement value = Property(element, name);
        // From Slurm 23.02 some numbers are objects: { "set": true, "number": N }.
        if (value.ValueKind == JsonValueKind.Object && value.TryGetProperty("number", out JsonElement inner))
            value = inner;
        return value.ValueKind == JsonValueKind.Number && value.TryGetUInt32(out uint number) ? number : throw new JobDirectoryException($"Slurm's JSON has a '{name}' that is not a number");
    }

    private async Task<JsonDocument> RunJsonAsync(string program, string[] arguments, CancellationToken cancel)
    {
        var start = new ProcessStartInfo(program)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (string argument in arguments)
            start.ArgumentList.Add(argument);
        if (slurmConf is not null)
            start.Environment["SLURM_CONF"] = slurmConf;
        Process process;
        try
        {
            process = Process.Start(start) ?? throw new JobDirectoryException($"could not start {program}");
        }
        catch (System.ComponentModel.Win32Exception e)
        {
            throw new JobDirectoryException($"could not run {program} ({e.Message}); install Slurm's client commands on the daemon's host, or set node_fetch = any");
        }
        using (process)
        using (var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancel))
        {
            timeout.CancelAfter(CommandTimeout);
            Task<string> errors = process.StandardError.ReadToEndAsync(timeout.Token);
            try
            {
                JsonDocument document = await JsonDocument.ParseAsync(process.StandardOutput.BaseStream, cancellationToken: timeout.Token).ConfigureAwait(false);
                await process.WaitForExitAsync(timeout.Token).ConfigureAwait(false);
                if (process.ExitCode != 0)
                {
                    document.Dispose();
                    throw new JobDirectoryException($"{program} --json failed ({process.ExitCode}): {(await errors.ConfigureAwait(false)).Trim()}");
                }
                return document;
            }
            catch (OperationCanceledException) when (!cancel.IsCancellationRequested)
            {
                process.Kill();
                throw new JobDirectoryException($"{program} --json gave no answer within {CommandTimeout.TotalSeconds:0} s; is slurmctld up?");
            }
            catch (JsonException e)
            {
                throw new JobDirectoryException($"{program} --json printed no JSON ({e.Message}): {(await errors.ConfigureAwait(false)).Trim()}");
            }
        }
    }
}
