using System.Buffers.Binary;
using System.Collections.Concurrent;
using System.Net;
using System.Text;
using SlurmNative.Credentials.Client;
using SlurmNative.Credentials.Protocol;
using SlurmNative.Credentials.Kerberos;
using SlurmNative.Daemon.Acl;
using SlurmNative.Daemon.Logging;
using SlurmNative.Daemon.Service;
using SlurmNative.Store;

namespace SlurmNative.Tests.Service;

/// <summary>
/// Stand-ins for MUNGE: a "credential" is uid, gid and the payload in clear. Only
/// for unit tests of the daemon's logic; the integration tests use real munged.
/// </summary>
internal sealed class FakeSigner(uint uid, uint gid = 100) : IRequestSigner
{
    public byte[] Sign(byte[] payload)
    {
        var credential = new byte[8 + payload.Length];
        BinaryPrimitives.WriteUInt32BigEndian(credential, uid);
        BinaryPrimitives.WriteUInt32BigEndian(credential.AsSpan(4), gid);
        payload.CopyTo(credential, 8);
        return credential;
    }
}

internal sealed class FakeAuthenticator : IRequestAuthenticator
{
    public AuthenticatedPayload Authenticate(byte[] credential)
    {
        if (credential.Length < 8 || Encoding.ASCII.GetString(credential).StartsWith("EXPIRED", StringComparison.Ordinal))
            throw new ProtocolException(ReplyStatus.Unauthenticated, "MUNGE credential expired");
        return new AuthenticatedPayload(BinaryPrimitives.ReadUInt32BigEndian(credential), BinaryPrimitives.ReadUInt32BigEndian(credential.AsSpan(4)), credential[8..]);
    }
}

/// <summary>A "ticket" here is the text "principal|localUid|tgt|addresses|endUnixSeconds".</summary>
internal sealed class FakeInspector : ITicketInspector
{
    public static byte[] Ticket(string principal, uint? localUid, bool tgt = true, bool addresses = false, DateTimeOffset? end = null) =>
        Encoding.UTF8.GetBytes($"{principal}|{localUid?.ToString() ?? "-"}|{tgt}|{addresses}|{(end ?? DateTimeOffset.UtcNow.AddHours(10)).ToUnixTimeSeconds()}");

    public TicketFacts Inspect(byte[] ticket)
    {
        string[] fields = Encoding.UTF8.GetString(ticket).Split('|');
        if (fields.Length != 5)
            throw new FormatException("not a fake ticket");
        var end = DateTimeOffset.FromUnixTimeSeconds(long.Parse(fields[4], System.Globalization.CultureInfo.InvariantCulture));
        return new TicketFacts(new TicketTimes(fields[0], end.AddHours(-10), end, end.AddDays(7)),
            fields[2] == "True" ? "krbtgt/TEST@TEST" : "host/x@TEST",
            fields[1] == "-" ? null : uint.Parse(fields[1], System.Globalization.CultureInfo.InvariantCulture),
            0x40000000, fields[2] == "True", fields[3] == "True");
    }
}

internal sealed class Identities : IIdentityResolver
{
    public static readonly Dictionary<uint, string> Names = new() { [0] = "root", [1001] = "alice", [1002] = "bob", [64030] = "slurm" };

    public Caller Resolve(uint uid, uint gid, IPAddress? address) =>
        new(uid, gid, Names.GetValueOrDefault(uid), new HashSet<string>(), address);
}

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

internal sealed class RecordingDaemonLog : IDaemonLog
{
    public ConcurrentQueue<string> Lines { get; } = new();
    public void Error(string message) => Lines.Enqueue("error: " + message);
    public void Warning(string message) => Lines.Enqueue("warning: " + message);
    public void Info(string message) => Lines.Enqueue("info: " + message);
    public void Debug(string message) => Lines.Enqueue("debug: " + message);
}
