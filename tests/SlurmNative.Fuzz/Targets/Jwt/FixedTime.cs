namespace SlurmNative.Fuzz.Targets.Jwt;

/// <summary>A clock stopped at one instant, so a token means the same on every run.</summary>
internal sealed class FixedTime(DateTimeOffset now) : TimeProvider
{
    public override DateTimeOffset GetUtcNow() => now;
}
