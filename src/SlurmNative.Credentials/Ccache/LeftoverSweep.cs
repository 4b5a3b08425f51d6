using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;
using Microsoft.Win32.SafeHandles;

namespace SlurmNative.Credentials.Ccache;

/// <summary>
/// Names of step ccaches, and the sweep that removes the ones a step could not: a
/// slurmstepd killed with SIGKILL, or a node that lost power, never runs its exit hook.
/// A ccache is a leftover when no slurmstepd on this node serves its job step any more.
/// </summary>
internal static partial class LeftoverSweep
{
    /// <summary>krb5cc_ first, so rpc.gssd's default search finds it; job and step so admins can tell whose it is.</summary>
    public static string NameFor(uint uid, uint jobId, string step) =>
        string.Create(CultureInfo.InvariantCulture, $"krb5cc_{uid}_slurm{jobId}.{step}");

    // The step's file, its random-suffixed variant, and an interrupted replacement's temporary file.
    [GeneratedRegex(@"^\.?krb5cc_(?<uid>\d+)_slurm(?<step>\d+\.[a-z0-9]+)(_[a-z0-9]{8})?(\.new_[a-z0-9]{8})?$", RegexOptions.CultureInvariant)]
    private static partial Regex StepCcacheName();

    // slurmstepd titles itself "slurmstepd: [<job>.<step>]".
    [GeneratedRegex(@"^slurmstepd: \[(?<step>\d+\.[a-z0-9]+)\]", RegexOptions.CultureInvariant)]
    private static partial Regex StepdTitle();

    /// <summary>"job.step" of every slurmstepd running on this node, from /proc.</summary>
    public static HashSet<string> ActiveStepsOnThisNode(string proc = "/proc")
    {
        var active = new HashSet<string>(StringComparer.Ordinal);
        foreach (string entry in Directory.EnumerateDirectories(proc))
        {
            if (!int.TryParse(Path.GetFileName(entry), NumberStyles.None, CultureInfo.InvariantCulture, out _))
                continue;
            string title;
            try
            {
                title = Encoding.UTF8.GetString(File.ReadAllBytes(Path.Combine(entry, "cmdline")));
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                continue; // the process ended while we looked
            }
            Match match = StepdTitle().Match(title);
            if (match.Success)
                active.Add(match.Groups["step"].Value);
        }
        return active;
    }

    /// <summary>
    /// Removes step ccaches in <paramref name="directoryPath"/> whose step is not among
    /// <paramref name="activeSteps"/>, which is asked only when there is a candidate, so the
    /// usual case (nothing left over) costs one directory listing. Only regular files
    /// owned by the uid in their name are touched: anything else there is someone
    /// else's and stays.
    /// </summary>
    /// <returns>The names removed.</returns>
    public static IReadOnlyList<string> Sweep(string directoryPath, Func<IReadOnlySet<string>> activeSteps)
    {
        var candidates = new List<(string Name, string Step, uint Uid)>();
        foreach (string path in Directory.EnumerateFiles(directoryPath, "*krb5cc_*_slurm*"))
        {
            string name = Path.GetFileName(path);
            Match match = StepCcacheName().Match(name);
            if (match.Success && uint.TryParse(match.Groups["uid"].Value, NumberStyles.None, CultureInfo.InvariantCulture, out uint uid))
                candidates.Add((name, match.Groups["step"].Value, uid));
        }
        if (candidates.Count == 0)
            return [];
        IReadOnlySet<string> active = activeSteps();
        var removed = new List<string>();
        using SafeFileHandle directory = NodeCcache.OpenCheckedDirectory(directoryPath, uid: 0);
        foreach (var (name, step, uid) in candidates)
        {
            if (active.Contains(step))
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
