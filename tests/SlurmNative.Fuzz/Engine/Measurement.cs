namespace SlurmNative.Fuzz.Engine;

/// <summary>One input's run: what the parser said, how long it took, what it allocated, and what went wrong if anything.</summary>
public readonly record struct Measurement(Outcome? Outcome, TimeSpan Elapsed, long Allocated, Finding? Finding);
