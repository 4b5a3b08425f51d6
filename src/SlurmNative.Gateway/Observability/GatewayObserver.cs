using System.Globalization;
using SlurmNative.Credentials.Audit;

namespace SlurmNative.Gateway.Observability;

/// <summary>
/// Where the gateway's handlers report logins, tokens and submissions: counted in the metrics
/// (when metrics_listen is set) and written to the audit trail. Handlers pass user names,
/// addresses and reasons; never a password, a ticket, a session token or a JWT.
/// </summary>
internal sealed class GatewayObserver(GatewayMetrics? metrics, AuditTrail audit)
{
    public static GatewayObserver None { get; } = new(null, AuditTrail.Off);

    public GatewayMetrics? Metrics { get; } = metrics;
    public AuditTrail Audit { get; } = audit;

    public void LoginSucceeded(string user, uint uid, string source, string principal)
    {
        Metrics?.Login("ok");
        Audit.Record("login", "ok", new("user", user), new("uid", uid.ToString(CultureInfo.InvariantCulture)), new("source", source), new("principal", principal));
    }

    /// <param name="outcome">a fixed word: bad_credentials, password_expired, kdc_unreachable, throttled, not_in_group, ...</param>
    public void LoginFailed(string user, string source, string outcome, string reason)
    {
        Metrics?.Login(outcome);
        switch (outcome)
        {
            case "kdc_unreachable": Metrics?.KdcError("unreachable"); break;
            case "kdc_error": Metrics?.KdcError("error"); break;
            case "kdc_not_verified": Metrics?.KdcError("not_verified"); break;
            case "daemon_unreachable": Metrics?.DaemonError("unreachable"); break;
            case "daemon_refused": Metrics?.DaemonError("refused"); break;
        }
        Audit.Record("login", "refused", new("user", user), new("source", source), new("status", outcome), new("reason", reason));
    }

    /// <param name="purpose">proxy (for one slurmrestd call) or issued (handed to the client).</param>
    public void TokenMinted(string user, string purpose, TimeSpan lifespan, string source)
    {
        Metrics?.TokenMinted(purpose);
        Audit.Record("token", "minted", new("user", user), new("purpose", purpose),
            new("lifespan_s", ((long)lifespan.TotalSeconds).ToString(CultureInfo.InvariantCulture)), new("source", source));
    }

    public void JobSubmitted(string user, long job, string partition, string source) =>
        Audit.Record("submit", "ok", new("user", user), new("job", job.ToString(CultureInfo.InvariantCulture)), new("partition", partition), new("source", source));

    public void SlurmrestdFailed() => Metrics?.SlurmrestdError();
}
