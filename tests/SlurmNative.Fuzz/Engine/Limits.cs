namespace SlurmNative.Fuzz.Engine;

/// <summary>What every target must stay within, whatever the input.</summary>
public static class Limits
{
    /// <summary>No input may take longer: anything slower is a hang to the daemon or the step.</summary>
    public static readonly TimeSpan InputTime = TimeSpan.FromMilliseconds(50);

    /// <summary>
    /// The limit of the short runs inside `./build.sh test`, which share the cores with the
    /// integration tests and read the wall clock: there an input is judged a hang, not merely
    /// slow, so a loaded machine does not fail the suite; campaigns judge by <see cref="InputTime"/>.
    /// </summary>
    public static readonly TimeSpan SharedMachineInputTime = TimeSpan.FromSeconds(1);

    /// <summary>
    /// An input over the time or memory limit is run again this many times and its best run
    /// counts, so that a garbage collection, the scheduler or a first use (code compiled, a cache
    /// filled) is not taken for a hang or a leak; a real one fails every run.
    /// </summary>
    public const int Retries = 2;

    /// <summary>The largest input the engines make (libFuzzer's -max_len is set to it too).</summary>
    public const int MaxInputBytes = 1 << 20;
}
