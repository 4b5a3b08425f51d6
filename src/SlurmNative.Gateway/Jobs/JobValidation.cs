using System.Text;
using SlurmNative.Gateway.Policy;

namespace SlurmNative.Gateway.Jobs;

/// <summary>
/// Every field of a job request checked against a whitelist of characters and ranges, then
/// against the user's grant. Nothing here ever reaches a shell (slurmrestd takes JSON and
/// slurmctld writes the script to a file), but the narrow alphabets keep control characters,
/// option-looking values and path tricks out of Slurm's own parsers and logs as well.
/// </summary>
internal static class JobValidation
{
    public const int MaxScriptBytes = 1024 * 1024;
    public const int MaxEnvironmentEntries = 128;
    private const int MaxPathLength = 1024;
    private const int MaxTimeMinutes = 366 * 24 * 60;

    // The job's identity and Kerberos state are the gateway's and the plugin's to set.
    private static readonly string[] ReservedEnvironmentPrefixes = ["SLURM_", "SLURMNATIVE_", "LD_", "KRB5", "SBATCH_", "SRUN_"];

    /// <summary>Partition, account: Slurm's own names never need more than this.</summary>
    public static bool IsSlurmName(string value) =>
        value.Length is > 0 and <= 64 && value[0] != '-' && value.All(c => char.IsAsciiLetterOrDigit(c) || c is '_' or '-' or '.');

    public static ValidatedJob Validate(JobRequest request, Grant grant, string homeDirectory, IReadOnlyDictionary<string, string> baseEnvironment)
    {
        string script = request.Script ?? throw Reject("script is required: the batch script, starting with #! (e.g. \"#!/bin/sh\\nhostname\\n\")");
        if (!script.StartsWith("#!", StringComparison.Ordinal))
            throw Reject("script must start with an interpreter line such as #!/bin/sh");
        if (Encoding.UTF8.GetByteCount(script) > MaxScriptBytes)
            throw Reject($"script is larger than {MaxScriptBytes} bytes");
        if (script.Contains('\0'))
            throw Reject("script contains a NUL character");

        string name = request.Name ?? "gateway-job";
        if (name.Length is 0 or > 128 || name[0] == '-' || !name.All(c => char.IsAsciiLetterOrDigit(c) || c is '_' or '-' or '.' or '+'))
            throw Reject($"name '{Printable(name)}' may only use A-Z a-z 0-9 _ - . + (1 to 128 characters, not starting with '-')");

        string partition = request.Partition ?? grant.DefaultPartition
            ?? throw Reject("partition is required: your groups allow any partition, so name one");
        if (!IsSlurmName(partition))
            throw Reject($"partition '{Printable(partition)}' is not a partition name (A-Z a-z 0-9 _ - .)");

        if (request.Account is { } account && !IsSlurmName(account))
            throw Reject($"account '{Printable(account)}' is not an account name (A-Z a-z 0-9 _ - .)");
        if (request.TimeLimitMinutes is { } minutes && (minutes < 1 || minutes > MaxTimeMinutes))
            throw Reject($"time_limit_minutes {minutes} is outside 1..{MaxTimeMinutes}");
        if (grant.Refusal(partition, request.Account, request.TimeLimitMinutes) is { } refusal)
            throw Reject(refusal);

        int nodes = Range(request.Nodes, "nodes", 1, 100_000) ?? 1;
        int? tasks = Range(request.Tasks, "tasks", 1, 10_000_000);
        int? cpus = Range(request.CpusPerTask, "cpus_per_task", 1, 100_000);
        int? memory = Range(request.MemoryPerNodeMb, "memory_per_node_mb", 1, int.MaxValue);

        string directory = request.WorkingDirectory ?? homeDirectory;
        CheckPath(directory, "working_directory");
        if (request.Output is { } output)
            CheckPath(output, "output");
        if (request.Error is { } error)
            CheckPath(error, "error");

        var environment = new Dictionary<string, string>(baseEnvironment, StringComparer.Ordinal);
        if (request.Environment is { } extra)
        {
            if (extra.Count > MaxEnvironmentEntries)
                throw Reject($"environment has {extra.Count} entries; at most {MaxEnvironmentEntries}");
            foreach (var (key, value) in extra)
            {
                if (key.Length is 0 or > 128 || !(char.IsAsciiLetter(key[0]) || key[0] == '_') || !key.All(c => char.IsAsciiLetterOrDigit(c) || c == '_'))
                    throw Reject($"environment name '{Printable(key)}' must match [A-Za-z_][A-Za-z0-9_]*");
                if (ReservedEnvironmentPrefixes.Any(p => key.StartsWith(p, StringComparison.Ordinal)))
                    throw Reject($"environment name '{key}' is reserved (SLURM_*, SLURMNATIVE_*, LD_*, KRB5*, SBATCH_*, SRUN_* are set by Slurm and SlurmNative)");
                // JSON null deserialises into the dictionary despite its non-nullable type.
                if (value is null)
                    throw Reject($"environment value of '{key}' must be a string");
                if (value.Length > 32 * 1024 || value.Any(c => char.IsControl(c) && c != '\t'))
                    throw Reject($"environment value of '{key}' has control characters or is longer than 32 KiB");
                environment[key] = value;
            }
        }

        return new ValidatedJob(script, name, partition, request.Account, request.TimeLimitMinutes, nodes, tasks, cpus, memory, directory,
            request.Output, request.Error, environment);
    }

    private static int? Range(int? value, string field, int min, int max) =>
        value is null || (value >= min && value <= max) ? value : throw Reject($"{field} {value} is outside {min}..{max}");

    /// <summary>
    /// Absolute, no '..' component, and only characters file names on a cluster really use
    /// (plus '%' for Slurm's filename patterns such as %j).
    /// </summary>
    private static void CheckPath(string path, string field)
    {
        if (path.Length is 0 or > MaxPathLength || path[0] != '/')
            throw Reject($"{field} '{Printable(path)}' must be an absolute path of at most {MaxPathLength} characters");
        if (!path.All(c => char.IsAsciiLetterOrDigit(c) || c is '/' or '.' or '_' or '-' or '%' or '+' or '@' or '='))
            throw Reject($"{field} '{Printable(path)}' may only use A-Z a-z 0-9 / . _ - % + @ =");
        if (path.Split('/').Any(part => part == ".."))
            throw Reject($"{field} '{Printable(path)}' must not contain '..'");
    }

    private static JobRejectedException Reject(string message) => new(message);

    /// <summary>Echoes a refused value safely: control characters shown as '?', long values cut.</summary>
    private static string Printable(string value)
    {
        string cut = value.Length > 80 ? value[..80] + "..." : value;
        return string.Concat(cut.Select(c => char.IsControl(c) ? '?' : c));
    }
}
