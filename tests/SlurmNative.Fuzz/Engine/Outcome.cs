namespace SlurmNative.Fuzz.Engine;

/// <summary>What a parser did with one input, when it behaved.</summary>
public enum Outcome
{
    /// <summary>The parser took the input, and every property the target checks held.</summary>
    Accepted,

    /// <summary>The parser refused it the documented way (its own exception type, or its "no" answer).</summary>
    Refused,
}
