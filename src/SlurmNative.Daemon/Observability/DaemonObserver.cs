using System.Diagnostics;
using System.Globalization;
using System.Net;
using SlurmNative.Credentials.Audit;
using SlurmNative.Credentials.Protocol;
using SlurmNative.Daemon.Acl;
using SlurmNative.Store.Keys;

namespace SlurmNative.Daemon.Observability;

/// <summary>
/// Where the daemon's parts report what happened: each event goes to the metrics (when
/// metrics_listen is set) and, when it is security-relevant, to the audit trail. The parts call
/// it with facts they already hold; it never sees a request's credential, a ticket or a key.
/// </summary>
public sealed class DaemonObserver(DaemonMetrics? metrics, AuditTrail audit)
{
    /// <summary>Neither metrics nor audit: for tests and tools that build daemon parts alone.</summary>
    public static DaemonObserver None { get; } = new(null, AuditTrail.Off);

    public DaemonMetrics? Metrics { get; } = metrics;
    public AuditTrail Audit { get; } = audit;

    /// <summary>Whether <see cref="Served"/> needs the request's start time.</summary>
    public bool Timed => Metrics is not null;

    /// <summary>An authenticated request answered with <paramref name="reply"/>; <paramref name="started"/> from <see cref="Stopwatch.GetTimestamp"/>.</summary>
    public void Served(Caller caller, Request request, Reply reply, long started)
    {
        Metrics?.Served(request.Operation, reply.Status, Stopwatch.GetElapsedTime(started));
        if (!Audit.Enabled)
            return;
        string uid = caller.Uid.ToString(CultureInfo.InvariantCulture);
        string target = (request.TargetUid ?? caller.Uid).ToString(CultureInfo.InvariantCulture);
        string source = Source(caller.Address);
        string action = request.Operation switch
        {
            Operation.Add or Operation.AddAndKeep => "store",
            Operation.Get => "fetch",
            Operation.Remove => "remove",
            Operation.List => "list",
            Operation.Ping => "ping",
            _ => "unknown",
        };
        if (reply.Status == ReplyStatus.Ok)
        {
            switch (request.Operation)
            {
                case Operation.Add or Operation.AddAndKeep:
                    Audit.Record(action, "ok", new("uid", uid), new("target_uid", target), new("source", source), new("keep", request.Operation == Operation.AddAndKeep ? "yes" : "no"));
                    break;
                case Operation.Get:
                    Audit.Record(action, "released", new("uid", uid), new("target_uid", target), new("source", source), new("job", JobOf(request)));
                    break;
                case Operation.Remove:
                    Audit.Record(action, "ok", new("uid", uid), new("target_uid", target), new("source", source));
                    break;
                case Operation.List when request.TargetUid is null || request.TargetUid != caller.Uid:
                    // Listing what others hold is an admin's view of who forwards tickets.
                    Audit.Record(action, "ok", new("uid", uid), new("target_uid", request.TargetUid is null ? "all" : target), new("source", source));
                    break;
            }
            return;
        }
        string outcome = reply.Status is ReplyStatus.ServerError or ReplyStatus.StoreUnavailable ? "failed" : "refused";
        if (request.Operation == Operation.Get)
        {
            Audit.Record(action, outcome, new("uid", uid), new("target_uid", target), new("source", source), new("job", JobOf(request)),
                new("status", DaemonMetrics.Name(reply.Status)), new("reason", reply.Message));
        }
        else
        {
            Audit.Record(action, outcome, new("uid", uid), new("target_uid", target), new("source", source),
                new("status", DaemonMetrics.Name(reply.Status)), new("reason", reply.Message));
        }
    }

    /// <summary>A request refused before its caller was known: MUNGE did not accept its credential.</summary>
    public void Unauthenticated(IPAddress? address, ReplyStatus status, string reason)
    {
        if (status == ReplyStatus.Unauthenticated)
            Metrics?.MungeRefused();
        else
            Metrics?.BadFrame();
        Audit.Record("request", "refused", new("source", Source(address)), new("status", DaemonMetrics.Name(status)), new("reason", reason));
    }

    public void BadFrame() => Metrics?.BadFrame();
    public void ConnectionRefused() => Metrics?.ConnectionRefused();
    public void ConnectionTimedOut() => Metrics?.ConnectionTimedOut();
    public void ConnectionEvicted() => Metrics?.ConnectionEvicted();

    public void Renewed() => Metrics?.Renewed();
    public void RenewalDeferred() => Metrics?.RenewalDeferred();
    public void KdcUnreachable() => Metrics?.KdcUnreachable();
    public void KdcRefused() => Metrics?.KdcRefused();

    /// <summary>The renewer (or the idle sweeper) removed a stored credential on its own.</summary>
    public void Dropped(uint uid, string by, string reason)
    {
        if (by == "renewer")
            Metrics?.RenewalDropped();
        Audit.Record("remove", "dropped", new("target_uid", uid.ToString(CultureInfo.InvariantCulture)), new("by", by), new("reason", reason));
    }

    /// <summary>The key file was read (at start or on SIGHUP): which key ids, which one encrypts. Ids only, never key bytes.</summary>
    public void KeysLoaded(string path, Keyring keyring, bool reload) =>
        Audit.Record("key_reload", "ok", new("file", path), new("primary", keyring.PrimaryKeyId), new("key_ids", string.Join(',', keyring.KeyIds)),
            new("when", reload ? "sighup" : "start"));

    public void KeysNotLoaded(string path, string reason) =>
        Audit.Record("key_reload", "failed", new("file", path), new("reason", reason));

    public void AclLoaded(string path, bool ok, int rules, bool reload) =>
        Audit.Record("acl_reload", ok ? "ok" : "failed", new("file", path), new("rules", rules.ToString(CultureInfo.InvariantCulture)),
            new("when", reload ? "sighup" : "start"));

    private static string Source(IPAddress? address) => address?.ToString() ?? "local";

    private static string JobOf(Request request)
    {
        try
        {
            return request.FetchedForJob is uint job ? job.ToString(CultureInfo.InvariantCulture) : "none";
        }
        catch (ProtocolException)
        {
            return "malformed";
        }
    }
}
