using System.Diagnostics;
using CsCheck;

namespace SlurmNative.Fuzz.Engine;

/// <summary>
/// Runs one target on <c>count</c> inputs drawn from <see cref="InputMix"/> with a fixed seed,
/// so a campaign is reproducible: the same seed and count give the same inputs.
/// </summary>
public static class Campaign
{
    /// <param name="beforeEach">sees each input before the parser does (the runner keeps the last one in case the process dies).</param>
    /// <param name="timeLimit">per input; <see cref="Limits.InputTime"/> when null.</param>
    public static CampaignResult Run(FuzzTarget target, long count, ulong seed, IReadOnlyList<byte[]>? corpus = null, Action<byte[]>? beforeEach = null,
        TimeSpan? timeLimit = null)
    {
        corpus ??= CrashCorpus.Load(target);
        Gen<byte[]> inputs = InputMix.For(target, corpus);
        var pcg = new PCG(1, seed);
        var findings = new Dictionary<string, Finding>(StringComparer.Ordinal);
        long accepted = 0, refused = 0, mostAllocated = 0;
        TimeSpan slowest = TimeSpan.Zero;
        long started = Stopwatch.GetTimestamp();
        WarmUp(target, seed);

        // Saved findings run first: a fixed bug stays fixed before anything new is tried.
        IEnumerable<byte[]> all = corpus.Concat(Drawn(inputs, pcg, count));
        long done = 0;
        foreach (byte[] input in all)
        {
            beforeEach?.Invoke(input);
            Measurement m = InputRunner.Run(target, input, timeLimit);
            done++;
            if (m.Outcome == Outcome.Accepted)
                accepted++;
            else if (m.Outcome == Outcome.Refused)
                refused++;
            if (m.Elapsed > slowest)
                slowest = m.Elapsed;
            if (m.Allocated > mostAllocated)
                mostAllocated = m.Allocated;
            if (m.Finding is { } finding && (!findings.TryGetValue(finding.Signature, out Finding? known) || finding.Input.Length < known.Input.Length))
                findings[finding.Signature] = finding;
        }
        return new CampaignResult(target.Name, done, accepted, refused, findings, slowest, mostAllocated, Stopwatch.GetElapsedTime(started));
    }

    /// <summary>
    /// Runs the parser on a few inputs first, unjudged: the first call of anything compiles code
    /// and fills caches, which is neither slow parsing nor memory an input costs.
    /// </summary>
    public static void WarmUp(FuzzTarget target, ulong seed = 1)
    {
        var pcg = new PCG(2, seed);
        Gen<byte[]> inputs = InputMix.For(target, []);
        for (int i = 0; i < WarmUpInputs; i++)
        {
            try
            {
                target.Run(inputs.Generate(pcg, null, out _));
            }
            catch (Exception e) when (e is not OutOfMemoryException)
            {
                // Judged when the same kind of input comes up in the campaign.
            }
        }
    }

    private const int WarmUpInputs = 500;

    private static IEnumerable<byte[]> Drawn(Gen<byte[]> inputs, PCG pcg, long count)
    {
        for (long i = 0; i < count; i++)
            yield return inputs.Generate(pcg, null, out _);
    }
}
