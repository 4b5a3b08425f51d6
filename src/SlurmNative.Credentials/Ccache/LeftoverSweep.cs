using System.Globalization;
using System.Text;
using Microsoft.Win32.SafeHandles;

namespace SlurmNative.Credentials.Ccache;

/// <summary>
/// Names of step ccaches, and the sweep that removes the ones a step could not: a
/// slurmstepd killed with SIGKILL, or a node that lost power, never runs its exit hook.
/// A ccache is a leftover when no slurmstepd on this node serves its job step any more.
/// </summary>
internal static class LeftoverSweep
{
    /// <summary>krb5cc_ first, so rpc.gssd's default search finds it; job and step so admins can tell whose it is.</summary>
    public static string NameFor(uint uid, uint jobId, string step) =>
        string.Create(CultureInfo.InvariantCulture, $"krb5cc_{uid}_slurm{jobId}.{step}");

    // Parsed by hand rather than with Regex: this runs inside slurmstepd, where the
    // regular-expression engine would add its code to every job's memory.

    /// <summary>
    /// The uid and "job.step" of a step ccache name: krb5cc_UID_slurmJOB.STEP, optionally
    /// with the random suffix (_xxxxxxxx), or as an interrupted replacement's temporary
    /// file (.NAME.new_xxxxxxxx).
    /// </summary>
    internal static bool TryParseName(string name, out uint uid, out string step)
    {
        uid = 0;
        step = "";
        var rest = name.AsSpan();
        bool temporary = rest.StartsWith(".");
        if (temporary)
            rest = rest[1..];
        if (!Skip(ref rest, "krb5cc_") || !Digits(ref rest, out var uidText) || !Skip(ref rest, "_slurm") || !Digits(ref rest, out var jobText))
            return false;
        if (!Skip(ref rest, ".") || !Alphanumeric(ref rest, out var stepText))
            return false;
        if (rest.StartsWith("_") && !SkipSuffix(ref rest, "_"))
            return false;
        if (temporary && !SkipSuffix(ref rest, ".new_"))
            return false;
        if (!rest.IsEmpty || !uint.TryParse(uidText, NumberStyles.None, CultureInfo.InvariantCulture, out uid))
            return false;
        step = string.Concat(jobText, ".", stepText);
        return true;
    }

    /// <summary>"job.step" from a slurmstepd process title, "slurmstepd: [JOB.STEP]".</summary>
    internal static bool TryParseStepdTitle(string title, out string step)
    {
        step = "";
        var rest = title.AsSpan();
        if (!Skip(ref rest, "slurmstepd: [") || !Digits(ref rest, out var job) || !Skip(ref rest, ".") || !Alphanumeric(ref rest, out var name) || !rest.StartsWith("]"))
            return false;
        step = string.Concat(job, ".", name);
        return true;
    }

    private static bool Skip(ref ReadOnlySpan<char> rest, string literal)
    {
        if (!rest.StartsWith(literal, StringComparison.Ordinal))
            return false;
        rest = rest[literal.Length..];
        return true;
    }

    private static bool Digits(ref ReadOnlySpan<char> rest, out ReadOnlySpan<char> digits) => Take(ref rest, char.IsAsciiDigit, out digits);

    private static bool Alphanumeric(ref ReadOnlySpan<char> rest, out ReadOnlySpan<char> text) =>
        Take(ref rest, c => char.IsAsciiDigit(c) || char.IsAsciiLetterLower(c), out text);

    private static bool Take(ref ReadOnlySpan<char> rest, Func<char, bool> accept, out ReadOnlySpan<char> taken)
    {
        int length = 0;
        while (length < rest.Length && accept(rest[length]))
            length++;
        taken = rest[..length];
        rest = rest[length..];
        return length > 0;
    }

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
            if (TryParseStepdTitle(title, out string step))
                active.Add(step);
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
            if (TryParseName(name, out uint uid, out string step))
                candidates.Add((name, step, uid));
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
