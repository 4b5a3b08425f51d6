using CsCheck;

namespace SlurmNative.Fuzz.Engine;

/// <summary>
/// One parser as the fuzzers see it: a function from bytes to <see cref="Outcome"/>. It may
/// throw only <see cref="RefusalType"/> (exactly that type: the parser's documented error);
/// anything else that escapes, an input slower than <see cref="Limits.InputTime"/>, or more
/// allocation than <see cref="AllocationBound"/> is a finding.
/// </summary>
/// <param name="name">short name: the corpus folder, the command-line argument, the table row.</param>
/// <param name="description">what is parsed, for the list and the README.</param>
/// <param name="refusalType">the documented error; null when the parser answers "no" without throwing.</param>
/// <param name="memory">the most one input may make the parser allocate.</param>
public abstract class FuzzTarget(string name, string description, Type? refusalType, MemoryBound memory)
{
    public string Name { get; } = name;

    public string Description { get; } = description;

    public Type? RefusalType { get; } = refusalType;

    /// <summary>Feeds the parser one input and checks what it returned.</summary>
    /// <exception cref="PropertyViolation">an accepted input broke a property the target states.</exception>
    public abstract Outcome Run(byte[] input);

    /// <summary>Near-valid inputs: well-formed ones with a field changed, not just noise.</summary>
    public abstract Gen<byte[]> Structured { get; }

    /// <summary>Tokens worth splicing into inputs (keywords, JSON punctuation, magic numbers).</summary>
    public virtual IReadOnlyList<byte[]> Dictionary => [];

    /// <summary>The most one input may make the parser allocate, in bytes.</summary>
    public virtual long AllocationBound(byte[] input) => memory.For(input);

    /// <summary><see cref="AllocationBound"/> in words, for the list and the README.</summary>
    public virtual string AllocationBoundText => memory.ToString();

    public override string ToString() => Name;
}
