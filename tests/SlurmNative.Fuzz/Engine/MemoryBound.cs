namespace SlurmNative.Fuzz.Engine;

/// <summary>
/// The most a parser may allocate for one input: a multiple of the input's length plus a fixed
/// allowance (exceptions, messages, first uses of a code path), with the reason when it is unusual.
/// </summary>
public sealed record MemoryBound(int TimesInput, long Fixed = MemoryBound.DefaultFixed, string? Why = null)
{
    public const long DefaultFixed = 64 * 1024;

    public long For(byte[] input) => (long)TimesInput * input.Length + Fixed;

    public override string ToString() => $"{TimesInput} times the input, plus {Fixed / 1024} KiB{(Why is null ? "" : $" ({Why})")}";
}
