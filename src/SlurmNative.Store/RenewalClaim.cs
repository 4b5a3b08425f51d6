namespace SlurmNative.Store;

/// <summary>
/// Credentials that this daemon's renewer alone renews until it disposes the claim; written back
/// through the store's compare-and-swap, so a user's upload meanwhile still wins.
/// </summary>
public sealed class RenewalClaim(IReadOnlyList<StoredCredential> credentials, RenewalCursor? next, Func<ValueTask>? release = null) : IAsyncDisposable
{
    private Func<ValueTask>? release = release;

    public IReadOnlyList<StoredCredential> Credentials { get; } = credentials;

    /// <summary>Where the next claim of this pass starts; null when nothing more was due.</summary>
    public RenewalCursor? Next { get; } = next;

    public static RenewalClaim Empty { get; } = new([], null);

    public ValueTask DisposeAsync() => Interlocked.Exchange(ref release, null) is { } letGo ? letGo() : ValueTask.CompletedTask;
}
