using SlurmNative.Plugin.Spank;

namespace SlurmNative.Plugin.Node;

/// <summary>
/// Step housekeeping that rides on the renewal thread: done once, at a set time into the step,
/// while the step runs rather than at its start or end, which srun waits for.
/// </summary>
internal sealed class OneOffTask(Action work, DateTimeOffset due)
{
    public DateTimeOffset Due { get; } = due;

    /// <summary>Does the work; a failure is logged, never thrown onto the renewal thread.</summary>
    public void Run(IPluginLog log)
    {
        try
        {
            work();
        }
        catch (Exception e)
        {
            log.Error($"a step housekeeping job failed: {e.GetType().Name}: {e.Message}");
        }
    }
}
