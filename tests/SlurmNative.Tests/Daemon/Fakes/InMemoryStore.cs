using System.Collections.Concurrent;
using SlurmNative.Credentials.Protocol;
using SlurmNative.Store;

namespace SlurmNative.Tests.Daemon.Fakes;

internal sealed class InMemoryStore : ICredentialStore
{
    private readonly ConcurrentDictionary<uint, StoredCredential> rows = new();
    private long version;

    public Task<StoredCredential> PutAsync(StoredCredential credential, CancellationToken cancel = default)
    {
        var stored = credential with { Version = Interlocked.Increment(ref version), Uploaded = DateTimeOffset.UtcNow };
        rows[credential.Uid] = stored;
        return Task.FromResult(stored);
    }

    public Task<StoredCredential?> GetAsync(uint uid, CancellationToken cancel = default) => Task.FromResult(rows.GetValueOrDefault(uid));

    public Task<bool> RemoveAsync(uint uid, CancellationToken cancel = default) => Task.FromResult(rows.TryRemove(uid, out _));

    public Task<IReadOnlyList<CredentialSummary>> ListAsync(uint? uid = null, CancellationToken cancel = default) =>
        Task.FromResult<IReadOnlyList<CredentialSummary>>(rows.Values.Where(r => uid is null || r.Uid == uid).OrderBy(r => r.Uid).Select(r => r.Summary).ToList());

    public string Description => "memory";

    public Task<RenewalClaim> ClaimDueAsync(DateTimeOffset endBefore, RenewalCursor? after, int limit, CancellationToken cancel = default)
    {
        var due = rows.Values.Where(r => r.End < endBefore && (after is not { } a || r.End > a.End || (r.End == a.End && r.Uid > a.Uid)))
            .OrderBy(r => r.End).ThenBy(r => r.Uid).Take(limit).ToList();
        return Task.FromResult(due.Count == 0 ? RenewalClaim.Empty : new RenewalClaim(due, new RenewalCursor(due[^1].End, due[^1].Uid)));
    }

    public Task<IReadOnlyDictionary<string, int>> KeyUsageAsync(CancellationToken cancel = default) =>
        Task.FromResult<IReadOnlyDictionary<string, int>>(new Dictionary<string, int>());

    public Task<bool> ReplaceIfUnchangedAsync(StoredCredential renewed, long expectedVersion, CancellationToken cancel = default)
    {
        if (!rows.TryGetValue(renewed.Uid, out var current) || current.Version != expectedVersion)
            return Task.FromResult(false);
        return Task.FromResult(rows.TryUpdate(renewed.Uid, renewed with { Version = Interlocked.Increment(ref version) }, current));
    }

    public Task<bool> RemoveIfUnchangedAsync(uint uid, long expectedVersion, CancellationToken cancel = default) =>
        Task.FromResult(rows.TryGetValue(uid, out var current) && current.Version == expectedVersion && rows.TryRemove(new(uid, current)));

    public Task<IReadOnlyList<UploadRecord>> ListUploadsAsync(CancellationToken cancel = default) =>
        Task.FromResult<IReadOnlyList<UploadRecord>>(rows.Values.OrderBy(r => r.Uid).Select(r => new UploadRecord(r.Uid, r.Uploaded, r.Keep, r.Version)).ToList());

    public Task<int> ReencryptAllAsync(CancellationToken cancel = default) => Task.FromResult(rows.Count);

    public Task<int> CountAsync(CancellationToken cancel = default) => Task.FromResult(rows.Count);

    public void Dispose()
    {
    }
}
