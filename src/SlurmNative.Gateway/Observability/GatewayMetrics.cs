using Prometheus;

namespace SlurmNative.Gateway.Observability;

/// <summary>
/// What slurmnative-gateway exposes to Prometheus: HTTP requests by route and status, their
/// latency, logins by outcome, tokens minted, and the errors of the parts behind it (KDC,
/// credential daemon, slurmrestd). Labels are route templates and fixed words, never a user
/// name, a path with an id in it, a password or a token.
/// </summary>
internal sealed class GatewayMetrics
{
    private static readonly double[] LatencyBuckets = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];

    private readonly Counter requests;
    private readonly Histogram latency;
    private readonly Counter logins;
    private readonly Counter tokens;
    private readonly Counter kdcErrors;
    private readonly Counter daemonErrors;
    private readonly Counter slurmrestdErrors;
    private readonly Gauge sessions;
    private readonly Gauge auditDropped;
    private Func<int>? sessionCount;
    private Func<long>? auditLoss;

    public CollectorRegistry Registry { get; } = Metrics.NewCustomRegistry();

    public GatewayMetrics()
    {
        MetricFactory factory = Metrics.WithCustomRegistry(Registry);
        requests = factory.CreateCounter("slurmnative_gateway_requests_total", "HTTP requests answered, by route template and status code.", "route", "status");
        latency = factory.CreateHistogram("slurmnative_gateway_request_duration_seconds", "Time to answer an HTTP request, by route template.",
            new HistogramConfiguration { LabelNames = ["route"], Buckets = LatencyBuckets });
        logins = factory.CreateCounter("slurmnative_gateway_logins_total",
            "Password logins by outcome: ok, or why not (bad_credentials, throttled, kdc_unreachable, not_in_group, ...).", "outcome");
        tokens = factory.CreateCounter("slurmnative_gateway_tokens_minted_total",
            "Slurm JWTs minted: proxy (one per slurmrestd call) or issued (handed to the client).", "purpose");
        kdcErrors = factory.CreateCounter("slurmnative_gateway_kdc_errors_total",
            "Logins the KDC could not answer or prove: unreachable, error, not_verified.", "kind");
        daemonErrors = factory.CreateCounter("slurmnative_gateway_daemon_errors_total",
            "Tickets the credential daemon did not store at login: unreachable or refused.", "kind");
        slurmrestdErrors = factory.CreateCounter("slurmnative_gateway_slurmrestd_errors_total", "slurmrestd calls that failed.");
        sessions = factory.CreateGauge("slurmnative_gateway_sessions", "Open login sessions (read at scrape time).");
        auditDropped = factory.CreateGauge("slurmnative_gateway_audit_lines_dropped", "Audit lines that could not be written since start.");
        foreach (string outcome in new[] { "ok", "bad_credentials", "throttled" })
            logins.WithLabels(outcome);
        foreach (string purpose in new[] { "proxy", "issued" })
            tokens.WithLabels(purpose);
        Registry.AddBeforeCollectCallback(() =>
        {
            if (sessionCount is not null)
                sessions.Set(sessionCount());
            if (auditLoss is not null)
                auditDropped.Set(auditLoss());
        });
    }

    public void Observe(Func<int> openSessions, Func<long> auditLinesDropped)
    {
        sessionCount = openSessions;
        auditLoss = auditLinesDropped;
    }

    public void Request(string route, int status, TimeSpan elapsed)
    {
        requests.WithLabels(route, status.ToString(System.Globalization.CultureInfo.InvariantCulture)).Inc();
        latency.WithLabels(route).Observe(elapsed.TotalSeconds);
    }

    public void Login(string outcome) => logins.WithLabels(outcome).Inc();
    public void TokenMinted(string purpose) => tokens.WithLabels(purpose).Inc();
    public void KdcError(string kind) => kdcErrors.WithLabels(kind).Inc();
    public void DaemonError(string kind) => daemonErrors.WithLabels(kind).Inc();
    public void SlurmrestdError() => slurmrestdErrors.Inc();
}
