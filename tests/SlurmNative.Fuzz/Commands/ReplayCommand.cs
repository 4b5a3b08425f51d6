using SlurmNative.Fuzz.Engine;
using SlurmNative.Fuzz.Targets;

namespace SlurmNative.Fuzz.Commands;

/// <summary>Runs saved inputs through a target and says what happened to each: for debugging a finding.</summary>
internal static class ReplayCommand
{
    public static int Run(string targetName, string[] files)
    {
        FuzzTarget target = FuzzTargets.Create(targetName);
        Campaign.WarmUp(target);
        int failed = 0;
        foreach (string file in files)
        {
            Measurement m = InputRunner.Run(target, File.ReadAllBytes(file));
            Console.WriteLine(m.Finding is null
                ? $"{file}: {m.Outcome} in {m.Elapsed.TotalMilliseconds:0.000} ms, {m.Allocated} bytes allocated"
                : $"{file}: FAILED {m.Finding.Signature}\n{m.Finding.Description}");
            failed += m.Finding is null ? 0 : 1;
        }
        return failed == 0 ? 0 : 1;
    }
}
