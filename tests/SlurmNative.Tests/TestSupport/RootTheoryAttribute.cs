namespace SlurmNative.Tests.TestSupport;

/// <summary>The <see cref="RootFactAttribute"/> of theories: every case is skipped, with the reason, when not root.</summary>
public sealed class RootTheoryAttribute : TheoryAttribute
{
    public RootTheoryAttribute()
    {
        if (!RunningAsRoot.Value)
            Skip = RunningAsRoot.Reason;
    }
}
