using System.Globalization;
using SlurmNative.Fuzz.Engine;

namespace SlurmNative.Fuzz.Commands;

/// <summary>The one line a per-target process hands back to <see cref="FuzzCommand"/>.</summary>
internal sealed record ResultLine(string Target, long Inputs, long Accepted, long Refused, int Crashes, int Hangs, double SlowestMs, long MostAllocated, long PeakResident, double Seconds)
{
    private const string Prefix = "RESULT\t";

    public static string Format(CampaignResult r, long peakResident) => Prefix + string.Join('\t',
        r.Target, Number(r.Inputs), Number(r.Accepted), Number(r.Refused), Number(r.Crashes), Number(r.Hangs),
        r.Slowest.TotalMilliseconds.ToString("0.000", CultureInfo.InvariantCulture), Number(r.MostAllocated), Number(peakResident),
        r.Duration.TotalSeconds.ToString("0.0", CultureInfo.InvariantCulture));

    public static ResultLine? Parse(string line)
    {
        if (!line.StartsWith(Prefix, StringComparison.Ordinal))
            return null;
        string[] f = line[Prefix.Length..].Split('\t');
        return new ResultLine(f[0], long.Parse(f[1], CultureInfo.InvariantCulture), long.Parse(f[2], CultureInfo.InvariantCulture), long.Parse(f[3], CultureInfo.InvariantCulture),
            int.Parse(f[4], CultureInfo.InvariantCulture), int.Parse(f[5], CultureInfo.InvariantCulture), double.Parse(f[6], CultureInfo.InvariantCulture),
            long.Parse(f[7], CultureInfo.InvariantCulture), long.Parse(f[8], CultureInfo.InvariantCulture), double.Parse(f[9], CultureInfo.InvariantCulture));
    }

    private static string Number(long n) => n.ToString(CultureInfo.InvariantCulture);
}
