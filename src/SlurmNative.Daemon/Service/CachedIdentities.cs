using System.Collections.Concurrent;
using System.Net;
using SlurmNative.Daemon.Acl;

namespace SlurmNative.Daemon.Service;

/// <summary>
/// Remembers what the name service said about a uid/gid for a few seconds. Every request
/// resolves its caller, and nodes fetch as root or SlurmUser again and again: with the
/// files backend each lookup re-reads /etc/passwd and /etc/group, which bench/daemon.sh
/// measured at up to a fifth of the daemon's CPU per request. A group change reaches the
/// ACL after at most <see cref="DefaultLifetime"/>, far less than nscd or SSSD already delay it.
/// </summary>
public sealed class CachedIdentities(IIdentityResolver inner, TimeSpan? lifetime = null, TimeProvider? clock = null) : IIdentityResolver
{
    public static readonly TimeSpan DefaultLifetime = TimeSpan.FromSeconds(10);

    // Far more distinct callers than a cluster has within one lifetime; past it, start over.
    private const int MaxEntries = 10_000;

    private readonly TimeSpan lifetime = lifetime ?? DefaultLifetime;
    private readonly TimeProvider time = clock ?? TimeProvider.System;
    private readonly ConcurrentDictionary<(uint Uid, uint Gid), (DateTimeOffset Expires, Caller Caller)> entries = new();

    public Caller Resolve(uint uid, uint gid, IPAddress? address)
    {
        DateTimeOffset now = time.GetUtcNow();
        if (entries.TryGetValue((uid, gid), out var entry) && now < entry.Expires)
            return entry.Caller with { Address = address };
        Caller caller = inner.Resolve(uid, gid, address);
        if (entries.Count >= MaxEntries)
            entries.Clear();
        entries[(uid, gid)] = (now + lifetime, caller);
        return caller;
    }
}
