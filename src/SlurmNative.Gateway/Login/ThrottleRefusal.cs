namespace SlurmNative.Gateway.Login;

/// <summary>Why <see cref="LoginThrottle.TryBegin"/> refused: how long to wait, and whether only because another attempt for the name is in flight.</summary>
internal readonly record struct ThrottleRefusal(TimeSpan RetryAfter, bool InProgress);

