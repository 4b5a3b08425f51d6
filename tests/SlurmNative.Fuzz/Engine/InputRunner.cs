using System.Diagnostics;

namespace SlurmNative.Fuzz.Engine;

/// <summary>Runs one input through a target and judges it against <see cref="Limits"/> and the target's bounds.</summary>
public static class InputRunner
{
    /// <param name="timeLimit">slower than this at best is a finding; <see cref="Limits.InputTime"/> when null.</param>
    public static Measurement Run(FuzzTarget target, byte[] input, TimeSpan? timeLimit = null)
    {
        TimeSpan limit = timeLimit ?? Limits.InputTime;
        Measurement first = Once(target, input);
        bool overMemory = first.Finding?.Signature == MemorySignature;
        if (!overMemory && (first.Finding is not null || first.Elapsed <= limit))
            return first;

        // Slow or greedy once may be a collection, the scheduler, or a first use that compiled code
        // or filled a cache; a real hang or a real allocation happens every time.
        TimeSpan fastest = first.Elapsed;
        long least = first.Allocated;
        for (int i = 0; i < Limits.Retries; i++)
        {
            Measurement again = Once(target, input);
            fastest = again.Elapsed < fastest ? again.Elapsed : fastest;
            least = Math.Min(least, again.Allocated);
        }
        Finding? finding = null;
        if (fastest > limit)
            finding = new Finding("timeout", $"took {fastest.TotalMilliseconds:0.0} ms at best of {Limits.Retries + 1} runs; the limit is {limit.TotalMilliseconds} ms", input);
        else if (least > target.AllocationBound(input))
            finding = MemoryFinding(target, input, least);
        return first with { Elapsed = fastest, Allocated = least, Finding = finding };
    }

    private const string MemorySignature = "memory";

    private static Finding MemoryFinding(FuzzTarget target, byte[] input, long allocated) =>
        new(MemorySignature, $"allocated {allocated} bytes at least of {Limits.Retries + 1} runs; the bound for this input is {target.AllocationBound(input)} ({target.AllocationBoundText})", input);

    private static Measurement Once(FuzzTarget target, byte[] input)
    {
        long allocatedBefore = GC.GetAllocatedBytesForCurrentThread();
        long start = Stopwatch.GetTimestamp();
        Outcome? outcome = null;
        Exception? escaped = null;
        try
        {
            outcome = target.Run(input);
        }
        catch (Exception e) when (e.GetType() == target.RefusalType)
        {
            outcome = Outcome.Refused;
        }
        catch (Exception e)
        {
            escaped = e;
        }
        TimeSpan elapsed = Stopwatch.GetElapsedTime(start);
        long allocated = GC.GetAllocatedBytesForCurrentThread() - allocatedBefore;

        Finding? finding = null;
        if (escaped is PropertyViolation violation)
            finding = new Finding($"property: {violation.Message}", violation.Message, input);
        else if (escaped is not null)
            finding = new Finding($"{escaped.GetType().Name} at {Where(escaped)}", $"{escaped.GetType().FullName}: {escaped.Message}\n{escaped.StackTrace}", input);
        else if (allocated > target.AllocationBound(input))
            finding = MemoryFinding(target, input, allocated);
        return new Measurement(outcome, elapsed, allocated, finding);
    }

    /// <summary>The first frame in SlurmNative code (else the first frame): one bug, one place.</summary>
    private static string Where(Exception e)
    {
        string[] frames = (e.StackTrace ?? "").Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        string frame = frames.FirstOrDefault(f => f.StartsWith("at SlurmNative.", StringComparison.Ordinal) && !f.StartsWith("at SlurmNative.Fuzz.", StringComparison.Ordinal))
            ?? frames.FirstOrDefault() ?? "?";
        int file = frame.IndexOf(" in /", StringComparison.Ordinal);
        return (file > 0 ? frame[..file] : frame).Replace("at ", "", StringComparison.Ordinal);
    }
}
