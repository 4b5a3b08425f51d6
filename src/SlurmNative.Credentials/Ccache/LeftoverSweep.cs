using System.Globalization;
using System.Text;
using Microsoft.Win32.SafeHandles;
using static SlurmNative.Credentials.Ccache.TextScanner;

namespace SlurmNative.Credentials.Ccache;

/// <summary>
/// Names of step ccaches, and the sweep that removes the ones a step could not: a
/// slurmstepd killed with SIGKILL, or a node that lost power, never runs its exit hook.
/// A ccache is a leftover when no slurmstepd on this node serves its job step any more.
/// </summary>
internal static class LeftoverSweep
{
    /// <summary>The ccache a job's steps share on a node: krb5cc_UID_slurmJOB.</summary>
    public static string JobNameFor(uint uid, uint jobId) =>
        string.Create(CultureInfo.InvariantCulture, $"{Interop.Shim.SLURMNATIVE_CCACHE_NAME_PREFIX}{uid}_slurm{jobId}");

    /// <summary>krb5cc_ first, so rpc.gssd's default search finds it; job and step so admins can tell whose it is.</summary>
    public static string NameFor(uint uid, uint jobId, string step) =>
        string.Create(CultureInfo.InvariantCulture, $"{Interop.Shim.SLURMNATIVE_CCACHE_NAME_PREFIX}{uid}_slurm{jobId}.{step}");

    /// <summary>
    /// The uid and "job.step" of a step ccache name, krb5cc_UID_slurmJOB.STEP, or "job" of a job's
    /// shared one, krb5cc_UID_slurmJOB; either optionally with the random suffix (_xxxxxxxx), or as
    /// an interrupted replacement's temporary file (.NAME.new_xxxxxxxx).
    /// </summary>
    internal static bool TryParseName(string name, out uint uid, out string step)
    {
        uid = 0;
        step = "";
        var rest = name.AsSpan();
        bool temporary = rest.StartsWith(".");
        if (temporary)
            rest = rest[1..];
        if (!Skip(ref rest, Interop.Shim.SLURMNATIVE_CCACHE_NAME_PREFIX) || !Digits(ref rest, out var uidText) || !Skip(ref rest, "_slurm") || !Digits(ref rest, out var jobText))
            return false;
        bool wholeJob = rest.IsEmpty || rest.StartsWith("_") || rest.StartsWith(".new_");
        string stepText = "";
        if (!wholeJob)
        {
            if (!Skip(ref rest, ".") || !Alphanumeric(ref rest, out var stepSpan))
                return false;
            stepText = stepSpan.ToString();
        }
        if (rest.StartsWith("_") && !SkipSuffix(ref rest, "_"))
            return false;
        if (temporary && !SkipSuffix(ref rest, ".new_"))
            return false;
        if (!rest.IsEmpty || !uint.TryParse(uidText, NumberStyles.None, CultureInfo.InvariantCulture, out uid))
            return false;
        step = wholeJob ? jobText.ToString() : string.Concat(jobText, ".", stepText);
        return true;
    }

    private static bool Digits(ref ReadOnlySpan<char> rest, out ReadOnlySpan<char> digits) => Take(ref rest, char.IsAsciiDigit, out digits);

    private static bool Alphanumeric(ref ReadOnlySpan<char> rest, out ReadOnlySpan<char> text) =>
        Take(ref rest, c => char.IsAsciiDigit(c) || char.IsAsciiLetterLower(c), out text);

    /// <summary>A prefix and exactly eight lowercase letters or digits (the random suffixes).</summary>
    private static bool SkipSuffix(ref ReadOnlySpan<char> rest, string prefix)
    {
        if (!Skip(ref rest, prefix) || rest.Length < 8)
            return false;
        foreach (char c in rest[..8])
        {
            if (!char.IsAsciiDigit(c) && !char.IsAsciiLetterLower(c))
                return false;
        }
        rest = rest[8..];
        return true;
    }

    /// <summary>
    /// The steps of every slurmstepd on this node, from /proc. A process is taken for a slurmstepd if its
    /// title says so or its command name (/proc/PID/comm, which a title does not change) is slurmstepd. One
    /// of root's whose title names no step (it has only just started, or a Slurm release titles it another
    /// way) makes every step count as running, so nothing is removed on a guess; a zombie, which runs no
    /// step, or a user's process that merely calls itself slurmstepd, cannot hold the sweep up that way.
    /// </summary>
    public static RunningSteps RunningStepsOnThisNode(string proc = "/proc")
    {
        var running = new RunningSteps();
        foreach (string entry in Directory.EnumerateDirectories(proc))
        {
            if (!int.TryParse(Path.GetFileName(entry), NumberStyles.None, CultureInfo.InvariantCulture, out _))
                continue;
            if (ReadProcessFile(entry, "cmdline") is not { } cmdline)
                continue; // the process ended while we looked
            string title = cmdline.IndexOf('\0') is var end and >= 0 ? cmdline[..end] : cmdline;
            if (!title.StartsWith("slurmstepd:", StringComparison.Ordinal) && ReadProcessFile(entry, "comm") != "slurmstepd\n")
                continue;
            if (!running.AddTitle(title) && ReadProcessFile(entry, "status") is { } status && IsLiveRootProcess(status))
                running.KeepAll($"slurmstepd process {Path.GetFileName(entry)} is titled '{title}', which names no job step");
        }
        return running;
    }

    private static string? ReadProcessFile(string processDirectory, string name)
    {
        try
        {
            return Encoding.UTF8.GetString(File.ReadAllBytes(Path.Combine(processDirectory, name)));
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }

    /// <summary>
    /// From /proc/PID/status: not a zombie ("State:"), and real uid 0 ("Uid:" real, effective, saved,
    /// filesystem); slurmstepd changes only its effective uid when it acts as the job's user.
    /// </summary>
    private static bool IsLiveRootProcess(string status)
    {
        bool live = false, root = false;
        foreach (string line in status.Split('\n'))
        {
            var rest = line.AsSpan();
            if (Skip(ref rest, "State:"))
                live = rest.TrimStart() is [not ('Z' or 'X'), ..];
            else if (Skip(ref rest, "Uid:"))
                root = rest.TrimStart().StartsWith("0\t", StringComparison.Ordinal);
        }
        return live && root;
    }

    /// <summary>
    /// Removes the files of jobs that no slurmstepd runs for on this node from the plugin's state
    /// directory (see <see cref="JobCcacheState"/>). A job is left alone while any process holds its
    /// lock or has joined it; <paramref name="runningSteps"/> is asked only when there is a candidate.
    /// A missing directory has nothing to sweep.
    /// </summary>
    /// <returns>The names removed.</returns>
    public static IReadOnlyList<string> SweepJobStates(string stateDirectory, Func<RunningSteps> runningSteps)
    {
        if (!Directory.Exists(stateDirectory))
            return [];
        var jobs = new SortedSet<uint>();
        foreach (string path in Directory.EnumerateFiles(stateDirectory, "job-*"))
        {
            string name = Path.GetFileName(path);
            int dot = name.IndexOf('.', StringComparison.Ordinal);
            if (dot > 4 && uint.TryParse(name.AsSpan(4, dot - 4), NumberStyles.None, CultureInfo.InvariantCulture, out uint job))
                jobs.Add(job);
        }
        if (jobs.Count == 0)
            return [];
        RunningSteps running = runningSteps();
        var removed = new List<string>();
        using SafeFileHandle directory = JobCcacheState.OpenStateDirectory(stateDirectory);
        foreach (uint job in jobs)
        {
            if (!running.Includes(job.ToString(CultureInfo.InvariantCulture)))
                removed.AddRange(JobCcacheState.RemoveIfAbandoned(directory, job));
        }
        return removed;
    }

    /// <summary>
    /// Removes step ccaches in <paramref name="directoryPath"/> whose step is not among
    /// <paramref name="runningSteps"/>, which is asked only when there is a candidate, so the
    /// usual case (nothing left over) costs one directory listing. It is asked after the
    /// listing: a step whose ccache was listed had its slurmstepd titled before that, so it
    /// shows as running unless it is gone. Only regular files
    /// owned by the uid in their name are touched: anything else there is someone
    /// else's and stays.
    /// </summary>
    /// <returns>The names removed.</returns>
    public static IReadOnlyList<string> Sweep(string directoryPath, Func<RunningSteps> runningSteps)
    {
        var candidates = new List<(string Name, string Step, uint Uid)>();
        foreach (string path in Directory.EnumerateFiles(directoryPath, "*krb5cc_*_slurm*"))
        {
            string name = Path.GetFileName(path);
            if (TryParseName(name, out uint uid, out string step))
                candidates.Add((name, step, uid));
        }
        if (candidates.Count == 0)
            return [];
        RunningSteps running = runningSteps();
        var removed = new List<string>();
        using SafeFileHandle directory = NodeCcache.OpenCheckedDirectory(directoryPath, uid: 0);
        foreach (var (name, step, uid) in candidates)
        {
            if (running.Includes(step))
                continue;
            if (Interop.Libc.LStatAt(directory, name, out Interop.Libc.Statx status) != 0
                || status.FileType != Interop.Libc.S_IFREG || status.stx_uid != uid)
                continue;
            if (Interop.Libc.unlinkat(directory, name, 0) == 0)
                removed.Add(name);
        }
        return removed;
    }
}
