using System.Collections.Concurrent;
using SlurmNative.Fuzz.Engine;
using SlurmNative.Fuzz.Targets;

namespace SlurmNative.Fuzz.Tests;

/// <summary>
/// Every input a campaign ever saved under tests/fuzz-corpus/&lt;target&gt;/ is a test of its own:
/// once a bug it found is fixed, the input must pass every check of its target.
/// </summary>
public class CorpusRegressionTests
{
    private static readonly ConcurrentDictionary<string, FuzzTarget> Warm = new(StringComparer.Ordinal);

    public static TheoryData<string, string> Saved
    {
        get
        {
            var data = new TheoryData<string, string>();
            foreach (var (target, file) in CrashCorpus.Entries())
                data.Add(target, file);
            return data;
        }
    }

    [Theory]
    [MemberData(nameof(Saved))]
    public void A_saved_input_passes_its_target(string targetName, string file)
    {
        // Warmed up once, as in a campaign: first calls compile code and fill caches.
        FuzzTarget target = Warm.GetOrAdd(targetName, name =>
        {
            FuzzTarget created = FuzzTargets.Create(name);
            Campaign.WarmUp(created);
            return created;
        });
        byte[] input = File.ReadAllBytes(Path.Combine(CrashCorpus.Root, targetName, file));

        Measurement m = InputRunner.Run(target, input, Limits.SharedMachineInputTime);

        Assert.True(m.Finding is null, m.Finding?.ToString());
    }

    [Fact]
    public void Every_corpus_folder_names_a_target()
    {
        Assert.All(CrashCorpus.Entries().Select(e => e.Target).Distinct(), name => Assert.Contains(name, FuzzTargets.Names));
    }
}
