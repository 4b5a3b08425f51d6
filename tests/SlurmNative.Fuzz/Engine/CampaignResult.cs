namespace SlurmNative.Fuzz.Engine;

/// <summary>What one target's campaign saw: counts, the worst input for time and for memory, and one input per distinct failure.</summary>
public sealed record CampaignResult(
    string Target,
    long Inputs,
    long Accepted,
    long Refused,
    IReadOnlyDictionary<string, Finding> Findings,
    TimeSpan Slowest,
    long MostAllocated,
    TimeSpan Duration)
{
    /// <summary>Findings that are timeouts: the "hangs" column.</summary>
    public int Hangs => Findings.Keys.Count(k => k == "timeout");

    /// <summary>Every other finding: exceptions, memory, broken properties.</summary>
    public int Crashes => Findings.Count - Hangs;
}
