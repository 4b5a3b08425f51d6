namespace SlurmNative.Fuzz.Engine;

/// <summary>What every target must stay within, whatever the input.</summary>
public static class Limits
{
    /// <summary>No input may take longer: anything slower is a hang to the daemon or the step.</summary>
    public static readonly TimeSpan InputTime = TimeSpan.FromMilliseconds(50);

    /// <summary>
    /// An input over the time or memory limit is run again this many times and its best run
    /// counts, so that a garbage collection, the scheduler or a first use (code compiled, a cache
    /// filled) is not taken for a hang or a leak; a real one fails every run.
    /// </summary>
    public const int Retries = 2;

    /// <summary>The largest input the engines make (libFuzzer's -max_len is set to it too).</summary>
    public const int MaxInputBytes = 1 << 20;
}
