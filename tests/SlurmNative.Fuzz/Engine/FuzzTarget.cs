using CsCheck;

namespace SlurmNative.Fuzz.Engine;

/// <summary>
/// One parser as the fuzzers see it: a function from bytes to <see cref="Outcome"/>. It may
/// throw only <see cref="RefusalType"/> (exactly that type: the parser's documented error);
/// anything else that escapes, an input slower than <see cref="Limits.InputTime"/>, or more
/// allocation than <see cref="AllocationBound"/> is a finding.
/// </summary>
public abstract class FuzzTarget
{
    /// <summary>Short name: the corpus folder, the command-line argument, the table row.</summary>
    public abstract string Name { get; }

    /// <summary>What is parsed, for the README and the table.</summary>
    public abstract string Description { get; }

    /// <summary>The documented error; null when the parser answers "no" without throwing.</summary>
    public abstract Type? RefusalType { get; }

    /// <summary>Feeds the parser one input and checks what it returned.</summary>
    /// <exception cref="PropertyViolation">an accepted input broke a property the target states.</exception>
    public abstract Outcome Run(byte[] input);

    /// <summary>Near-valid inputs: well-formed ones with a field changed, not just noise.</summary>
    public abstract Gen<byte[]> Structured { get; }

    /// <summary>Tokens worth splicing into inputs (keywords, JSON punctuation, magic numbers).</summary>
    public virtual IReadOnlyList<byte[]> Dictionary => [];

    /// <summary>The most one input may make the parser allocate, in bytes.</summary>
    public abstract long AllocationBound(byte[] input);

    /// <summary><see cref="AllocationBound"/> in words, for the README and the table.</summary>
    public abstract string AllocationBoundText { get; }

    public override string ToString() => Name;
}
