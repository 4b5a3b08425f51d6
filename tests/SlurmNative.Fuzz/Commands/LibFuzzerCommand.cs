using SlurmNative.Fuzz.Engine;
using SlurmNative.Fuzz.Targets;

namespace SlurmNative.Fuzz.Commands;

/// <summary>
/// Serves libFuzzer through SharpFuzz: libfuzzer/driver.c starts this process, passes each
/// input through shared memory and reads back coverage from the instrumented SlurmNative
/// assemblies. Any finding (not only an escaping exception) is reported as a crash; hangs
/// are libFuzzer's -timeout.
/// </summary>
internal static class LibFuzzerCommand
{
    public static int Run(string targetName)
    {
        FuzzTarget target = FuzzTargets.Create(targetName);
        SharpFuzz.Fuzzer.LibFuzzer.Run(span =>
        {
            Measurement m = InputRunner.Run(target, span.ToArray());
            if (m.Finding is { } finding)
                throw new InvalidOperationException(finding.ToString());
        });
        return 0;
    }
}
