using static SlurmNative.Credentials.Ccache.TextScanner;

namespace SlurmNative.Credentials.Ccache;

/// <summary>
/// The job steps that may still use their ccache on this node, read from slurmstepd process
/// titles. Wherever a title could be read more than one way, it is read the way that keeps
/// more ccaches: taking a live step for a dead one would delete a running job's ticket, while
/// the opposite only leaves a file for the next sweep.
/// </summary>
internal sealed class RunningSteps
{
    private readonly HashSet<string> steps = new(StringComparer.Ordinal);
    private readonly List<string> prefixes = [];
    private readonly List<string> keepAllReasons = [];

    /// <summary>Why every step counts as running (a slurmstepd whose title names no step, say); empty: only those read.</summary>
    public IReadOnlyList<string> KeepAllReasons => keepAllReasons;

    /// <summary>
    /// Whether the ccache of <paramref name="step"/> ("job.step", as in its name) may still be in use;
    /// for a job's shared ccache ("job", no step), whether any step of that job may still run here.
    /// </summary>
    public bool Includes(string step)
    {
        if (keepAllReasons.Count > 0 || steps.Contains(step))
            return true;
        if (!step.Contains('.', StringComparison.Ordinal))
        {
            string ofJob = step + ".";
            return steps.Any(s => s.StartsWith(ofJob, StringComparison.Ordinal))
                || prefixes.Any(p => ofJob.StartsWith(p, StringComparison.Ordinal) || p.StartsWith(ofJob, StringComparison.Ordinal));
        }
        foreach (string prefix in prefixes)
        {
            if (step.StartsWith(prefix, StringComparison.Ordinal))
                return true;
        }
        return false;
    }

    /// <summary>The given steps, and no others (for tests and for callers that know them).</summary>
    public static RunningSteps Of(params string[] steps)
    {
        var running = new RunningSteps();
        running.steps.UnionWith(steps);
        return running;
    }

    /// <summary>Every step counts as running, because of <paramref name="reason"/>.</summary>
    public void KeepAll(string reason) => keepAllReasons.Add(reason);

    /// <summary>
    /// Adds the step a slurmstepd process title names (its /proc/PID/cmdline up to the first NUL). Slurm 22.05
    /// titles a slurmstepd "slurmstepd: [STEP]" once it knows its step, STEP as log_build_step_id_str prints
    /// it: "JOB.STEP", "JOB.batch", "JOB.extern", "JOB.interactive", and "JOB.STEP+COMPONENT" for a component
    /// of a heterogeneous step (srun A : B), whose ccache is named after JOB.STEP like any other. Components of
    /// a heterogeneous job and tasks of a job array have job ids of their own, in the title and the ccache
    /// name alike. A title is cut at the end of slurmstepd's original argv and environment; a cut one keeps
    /// every step it could be the beginning of.
    /// </summary>
    /// <returns>false if the title names no step (not set yet, or a form this class does not know).</returns>
    public bool AddTitle(string title)
    {
        var rest = title.AsSpan();
        if (!Skip(ref rest, "slurmstepd: [") || !Take(ref rest, char.IsAsciiDigit, out var job))
            return false;
        if (rest.IsEmpty || rest.SequenceEqual("."))
            return AddPrefix(job, rest);                         // cut inside or just after the job id
        if (rest.SequenceEqual("]"))
            return AddPrefix(job, ".");                          // a job without a step: all its steps
        if (!Skip(ref rest, ".") || !Take(ref rest, char.IsAsciiLetterOrDigit, out var step))
            return false;
        if (rest.IsEmpty)
            return AddPrefix(job, "." + step.ToString());        // cut inside the step
        if (Skip(ref rest, "+"))
        {
            Take(ref rest, char.IsAsciiDigit, out _);
            if (!rest.IsEmpty && !rest.SequenceEqual("]"))
                return false;
        }
        else if (!rest.SequenceEqual("]"))
        {
            return false;
        }
        steps.Add(string.Concat(job, ".", step));
        return true;
    }

    private bool AddPrefix(ReadOnlySpan<char> job, ReadOnlySpan<char> after)
    {
        prefixes.Add(string.Concat(job, after));
        return true;
    }
}
