using System.Globalization;
using SlurmNative.Fuzz.Engine;
using SlurmNative.Fuzz.Targets;

namespace SlurmNative.Fuzz.Commands;

/// <summary>
/// One target's campaign in this process: saves each distinct finding under
/// tests/fuzz-corpus/&lt;target&gt;/ and ends with one RESULT line for <see cref="FuzzCommand"/>.
/// </summary>
internal static class RunCommand
{
    /// <summary>Set by <see cref="FuzzCommand"/>: where the input in hand is kept in case the process dies.</summary>
    public const string LastInputVariable = "SLURMNATIVE_FUZZ_LAST_INPUT";

    public static int Run(string[] args)
    {
        if (args is not [var name, var countText, var seedText]
            || !long.TryParse(countText, NumberStyles.None, CultureInfo.InvariantCulture, out long count)
            || !ulong.TryParse(seedText, NumberStyles.None, CultureInfo.InvariantCulture, out ulong seed))
        {
            Console.Error.WriteLine("usage: SlurmNative.Fuzz run TARGET COUNT SEED");
            return 2;
        }
        FuzzTarget target = FuzzTargets.Create(name);
        string? lastPath = Environment.GetEnvironmentVariable(LastInputVariable);
        using LastInput? last = lastPath is null ? null : new LastInput(lastPath);
        CampaignResult result = Campaign.Run(target, count, seed, beforeEach: last is null ? null : last.Record);
        foreach (Finding finding in result.Findings.Values)
        {
            string saved = CrashCorpus.Save(target, finding.Input);
            Console.Error.WriteLine($"{name}: {finding.Signature}, saved as {saved}\n{finding.Description}\n");
        }
        Console.WriteLine(ResultLine.Format(result, PeakMemory.ResidentBytes()));
        return result.Findings.Count == 0 ? 0 : 1;
    }
}
