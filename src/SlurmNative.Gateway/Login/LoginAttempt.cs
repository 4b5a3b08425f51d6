namespace SlurmNative.Gateway.Login;

/// <summary>
/// One login let through to the KDC by <see cref="LoginThrottle.TryBegin"/>. It counts against the
/// user's and the address's budgets until disposed; <see cref="Fail"/> first keeps it counted as a
/// failure for the throttle's window. Disposing twice counts once.
/// </summary>
internal sealed class LoginAttempt(LoginThrottle throttle, string userKey, string addressKey) : IDisposable
{
    private bool failed;
    private int disposed;

    /// <summary>The KDC refused the password (or the login failed in a way that may be a guess).</summary>
    public void Fail() => failed = true;

    public void Dispose()
    {
        if (Interlocked.Exchange(ref disposed, 1) == 0)
            throttle.End(userKey, addressKey, failed);
    }
}
