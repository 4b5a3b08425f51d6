using Prometheus;
using SlurmNative.Credentials.Protocol;
using SlurmNative.Store.Keys;
using SlurmNative.Store;

namespace SlurmNative.Daemon.Observability;

/// <summary>
/// What slurmnatived exposes to Prometheus. Counters and histograms are updated as requests
/// are served (each label combination resolved once, here, so the hot path only adds); what
/// the store holds is read when a scraper asks, not per request. Names, uids' counts, key ids
/// and time buckets only: no principal, ticket or key ever becomes a label.
/// </summary>
public sealed class DaemonMetrics
{
    /// <summary>From a cached get (well under a millisecond) to a request that waits out request_timeout.</summary>
    private static readonly double[] LatencyBuckets = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5];

    /// <summary>Upper bounds of the time-left buckets, in seconds: expired, 5 min, 30 min (the default renew threshold), 1 h, 4 h, 12 h, 1 d.</summary>
    internal static readonly int[] TimeLeftBounds = [0, 300, 1800, 3600, 14400, 43200, 86400];

    private static readonly Operation[] Operations = Enum.GetValues<Operation>();
    private static readonly ReplyStatus[] Statuses = Enum.GetValues<ReplyStatus>();

    private readonly Counter.Child[,] requests;
    private readonly Histogram.Child[] latency;
    private readonly Counter.Child unknownOperation;
    private readonly Counter.Child renewed, renewalDropped, renewalDeferred;
    private readonly Counter renewalFailures;
    private readonly Counter.Child kdcRefused, kdcUnreachable;
    private readonly Counter mungeErrors, refusedConnections, timedOutConnections, evictedConnections, badFrames;
    private readonly Gauge stored, timeLeft, byKey, keys, auditDropped;
    private Func<Keyring>? keyring;
    private ICredentialStore? store;
    private Func<long>? auditLoss;
    private HashSet<string> keyLabels = [];
    private HashSet<(string, string)> loadedKeyLabels = [];

    public CollectorRegistry Registry { get; } = Metrics.NewCustomRegistry();

    public DaemonMetrics()
    {
        MetricFactory factory = Metrics.WithCustomRegistry(Registry);
        Counter requestCounter = factory.CreateCounter("slurmnatived_requests_total",
            "Authenticated requests answered, by operation and reply status.", "operation", "outcome");
        Histogram latencyHistogram = factory.CreateHistogram("slurmnatived_request_duration_seconds",
            "Time from an authenticated request to its reply being ready (ACL, store, KDC work), by operation.",
            new HistogramConfiguration { LabelNames = ["operation"], Buckets = LatencyBuckets });
        requests = new Counter.Child[Operations.Length, Statuses.Length];
        latency = new Histogram.Child[Operations.Length];
        for (int o = 0; o < Operations.Length; o++)
        {
            string operation = Name(Operations[o]);
            latency[o] = latencyHistogram.WithLabels(operation);
            for (int s = 0; s < Statuses.Length; s++)
                requests[o, s] = requestCounter.WithLabels(operation, Name(Statuses[s]));
        }
        unknownOperation = requestCounter.WithLabels("unknown", Name(ReplyStatus.BadRequest));

        Counter renewals = factory.CreateCounter("slurmnatived_renewals_total",
            "Stored TGTs the renewer handled: renewed at the KDC, dropped (past renew-till or refused), or deferred (to a later pass).", "outcome");
        renewed = renewals.WithLabels("renewed");
        renewalDropped = renewals.WithLabels("dropped");
        renewalDeferred = renewals.WithLabels("deferred");
        renewalFailures = factory.CreateCounter("slurmnatived_renewal_failures_total",
            "Renewals that failed at the KDC, refused or unreachable (each also counts in slurmnatived_kdc_errors_total).");
        Counter kdcErrors = factory.CreateCounter("slurmnatived_kdc_errors_total",
            "KDC errors while renewing: refused (the ticket cannot be renewed) or unreachable (retried next pass).", "kind");
        kdcRefused = kdcErrors.WithLabels("refused");
        kdcUnreachable = kdcErrors.WithLabels("unreachable");
        mungeErrors = factory.CreateCounter("slurmnatived_munge_errors_total",
            "Requests whose MUNGE credential munged did not accept (replayed, expired, not restricted to the daemon, munged down).");
        refusedConnections = factory.CreateCounter("slurmnatived_connections_refused_total",
            "Connections told the daemon is busy: max_connections reached, every one being served.");
        timedOutConnections = factory.CreateCounter("slurmnatived_connections_timed_out_total",
            "Connections closed because no complete request arrived within frame_timeout.");
        evictedConnections = factory.CreateCounter("slurmnatived_connections_evicted_total",
            "Waiting connections closed to make room for newer ones (max_waiting_per_host or max_connections).");
        badFrames = factory.CreateCounter("slurmnatived_bad_frames_total",
            "Connections that sent something other than a well-formed request frame.");

        stored = factory.CreateGauge("slurmnatived_credentials_stored", "Credentials in the store (read at scrape time).");
        timeLeft = factory.CreateGauge("slurmnatived_credentials_time_left",
            "Stored credentials whose ticket ends within le seconds (cumulative; le=\"0\" is already expired).", "le");
        byKey = factory.CreateGauge("slurmnatived_credentials_by_key", "Stored credentials sealed under each key id.", "key_id");
        keys = factory.CreateGauge("slurmnatived_keys_loaded",
            "Key ids in this daemon's key file (1 each); primary=\"true\" is the one new writes use.", "key_id", "primary");
        auditDropped = factory.CreateGauge("slurmnatived_audit_lines_dropped", "Audit lines that could not be written since start.");
        foreach (int bound in TimeLeftBounds)
            timeLeft.WithLabels(bound.ToString(System.Globalization.CultureInfo.InvariantCulture));
        timeLeft.WithLabels("+Inf");

        Registry.AddBeforeCollectCallback(CollectStoreAsync);
    }

    /// <summary>Where the scrape-time gauges come from; until called, they stay at zero.</summary>
    public void Observe(ICredentialStore credentials, Func<Keyring> keys, Func<long> auditLinesDropped)
    {
        store = credentials;
        keyring = keys;
        auditLoss = auditLinesDropped;
    }

    public void Served(Operation operation, ReplyStatus status, TimeSpan elapsed)
    {
        int o = Array.IndexOf(Operations, operation);
        int s = Array.IndexOf(Statuses, status);
        if (o < 0 || s < 0)
        {
            unknownOperation.Inc();
            return;
        }
        requests[o, s].Inc();
        latency[o].Observe(elapsed.TotalSeconds);
    }

    public void MungeRefused() => mungeErrors.Inc();
    public void ConnectionRefused() => refusedConnections.Inc();
    public void ConnectionTimedOut() => timedOutConnections.Inc();
    public void ConnectionEvicted() => evictedConnections.Inc();
    public void BadFrame() => badFrames.Inc();

    public void Renewed() => renewed.Inc();
    public void RenewalDropped() => renewalDropped.Inc();
    public void RenewalDeferred() => renewalDeferred.Inc();

    public void KdcRefused()
    {
        kdcRefused.Inc();
        renewalFailures.Inc();
    }

    public void KdcUnreachable()
    {
        kdcUnreachable.Inc();
        renewalFailures.Inc();
    }

    /// <summary>The lower-case, underscore-separated label value of an operation (add_and_keep) or status (not_found).</summary>
    public static string Name<T>(T value) where T : struct, Enum
    {
        string name = value.ToString();
        var label = new System.Text.StringBuilder(name.Length + 4);
        for (int i = 0; i < name.Length; i++)
        {
            if (char.IsUpper(name[i]) && i > 0)
                label.Append('_');
            label.Append(char.ToLowerInvariant(name[i]));
        }
        return label.ToString();
    }

    private async Task CollectStoreAsync(CancellationToken cancel)
    {
        if (auditLoss is not null)
            auditDropped.Set(auditLoss());
        if (keyring is not null)
            PublishKeys(keyring());
        if (store is null)
            return;
        try
        {
            stored.Set(await store.CountAsync(cancel).ConfigureAwait(false));
            IReadOnlyList<CredentialSummary> all = await store.ListAsync(null, cancel).ConfigureAwait(false);
            DateTimeOffset now = DateTimeOffset.UtcNow;
            var counts = new int[TimeLeftBounds.Length];
            foreach (CredentialSummary credential in all)
            {
                double left = (credential.End - now).TotalSeconds;
                for (int b = 0; b < TimeLeftBounds.Length; b++)
                {
                    if (left <= TimeLeftBounds[b])
                        counts[b]++;
                }
            }
            for (int b = 0; b < TimeLeftBounds.Length; b++)
                timeLeft.WithLabels(TimeLeftBounds[b].ToString(System.Globalization.CultureInfo.InvariantCulture)).Set(counts[b]);
            timeLeft.WithLabels("+Inf").Set(all.Count);

            IReadOnlyDictionary<string, int> usage = await store.KeyUsageAsync(cancel).ConfigureAwait(false);
            var seen = new HashSet<string>(usage.Keys, StringComparer.Ordinal);
            foreach (string gone in keyLabels.Except(seen))
                byKey.RemoveLabelled(gone);
            foreach (var (id, count) in usage)
                byKey.WithLabels(id).Set(count);
            keyLabels = seen;
        }
        catch (Exception e) when (e is StoreUnavailableException or CredentialStoreException)
        {
            // The store is down: the last values stay, and requests_total shows store_unavailable.
        }
    }

    private void PublishKeys(Keyring current)
    {
        var seen = new HashSet<(string, string)>();
        foreach (string id in current.KeyIds)
            seen.Add((id, id == current.PrimaryKeyId ? "true" : "false"));
        foreach (var (id, primary) in loadedKeyLabels.Except(seen))
            keys.RemoveLabelled(id, primary);
        foreach (var (id, primary) in seen)
            keys.WithLabels(id, primary).Set(1);
        loadedKeyLabels = seen;
    }
}
