namespace SlurmNative.Fuzz.Engine;

/// <summary>What every target must stay within, whatever the input.</summary>
public static class Limits
{
    /// <summary>No input may take longer: anything slower is a hang to the daemon or the step.</summary>
    public static readonly TimeSpan InputTime = TimeSpan.FromMilliseconds(50);

    /// <summary>
    /// A slow input is timed again this many times and its fastest run counts, so that a
    /// garbage collection or the scheduler is not taken for a hang; a real hang is slow every time.
    /// </summary>
    public const int SlowRetries = 2;

    /// <summary>The largest input the engines make (libFuzzer's -max_len is set to it too).</summary>
    public const int MaxInputBytes = 1 << 20;
}
