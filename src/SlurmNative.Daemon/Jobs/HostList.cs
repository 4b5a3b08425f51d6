using System.Globalization;

namespace SlurmNative.Daemon.Jobs;

/// <summary>
/// Slurm's compressed host lists, as scontrol prints a job's NodeList: names separated by commas,
/// each with at most one bracketed set of numbers and ranges, zero-padded as written
/// ("node[01-03,07],gpu5" is node01, node02, node03, node07 and gpu5).
/// </summary>
internal static class HostList
{
    /// <summary>Far above any real job's node count; a malformed list cannot make the daemon allocate without bound.</summary>
    private const int MaxHosts = 1_000_000;

    /// <exception cref="FormatException">the list is not of that form.</exception>
    public static IReadOnlyList<string> Expand(string list)
    {
        var hosts = new List<string>();
        int i = 0;
        while (i < list.Length)
        {
            int open = list.IndexOf('[', i), comma = list.IndexOf(',', i);
            if (comma < 0)
                comma = list.Length;
            if (open < 0 || open > comma)
            {
                AddName(hosts, list[i..comma]);
                i = comma + 1;
                continue;
            }
            int close = list.IndexOf(']', open);
            if (close < 0)
                throw new FormatException($"host list '{list}' opens a bracket it does not close");
            string prefix = list[i..open], suffixEnd = list[(close + 1)..];
            int next = suffixEnd.IndexOf(',');
            string suffix = next < 0 ? suffixEnd : suffixEnd[..next];
            foreach (string number in Numbers(list[(open + 1)..close], list))
                AddName(hosts, prefix + number + suffix);
            i = next < 0 ? list.Length : close + 1 + next + 1;
        }
        return hosts;
    }

    private static void AddName(List<string> hosts, string name)
    {
        if (name.Length == 0)
            return;
        if (hosts.Count >= MaxHosts)
            throw new FormatException($"host list has more than {MaxHosts} hosts");
        hosts.Add(name);
    }

    private static IEnumerable<string> Numbers(string set, string list)
    {
        foreach (string part in set.Split(','))
        {
            int dash = part.IndexOf('-');
            string first = dash < 0 ? part : part[..dash], last = dash < 0 ? part : part[(dash + 1)..];
            if (!ulong.TryParse(first, NumberStyles.None, CultureInfo.InvariantCulture, out ulong from)
                || !ulong.TryParse(last, NumberStyles.None, CultureInfo.InvariantCulture, out ulong to) || to < from || to - from >= MaxHosts)
                throw new FormatException($"host list '{list}' has a range '{part}' that is not NUMBER or NUMBER-NUMBER");
            // Counted, not compared with `to`: a range ending at ulong.MaxValue would wrap around to 0.
            for (ulong k = 0; k <= to - from; k++)
                yield return (from + k).ToString(CultureInfo.InvariantCulture).PadLeft(first.Length, '0');
        }
    }
}
