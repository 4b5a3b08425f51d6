namespace SlurmNative.Fuzz.Engine;

/// <summary>The process's peak resident set (VmHWM), which covers native allocations the GC does not see.</summary>
public static class PeakMemory
{
    public static long ResidentBytes()
    {
        foreach (string line in File.ReadLines("/proc/self/status"))
        {
            if (line.StartsWith("VmHWM:", StringComparison.Ordinal))
                return long.Parse(line.AsSpan(6).Trim().TrimEnd("kB").Trim(), System.Globalization.CultureInfo.InvariantCulture) * 1024;
        }
        return 0;
    }
}
