namespace SlurmNative.Tests.TestSupport;

/// <summary>
/// A test that must run as root (to chown, or to drop to another user): reported as skipped,
/// with the reason, when not, never as passed or as a failed assertion.
/// </summary>
public sealed class RootFactAttribute : FactAttribute
{
    public RootFactAttribute()
    {
        if (!RunningAsRoot.Value)
            Skip = RunningAsRoot.Reason;
    }
}
