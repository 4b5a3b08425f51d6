using SlurmNative.Gateway.Configuration;
using SlurmNative.Gateway.Login;
using SlurmNative.Gateway.Observability;
using SlurmNative.Gateway.Policy;
using SlurmNative.Gateway.Sessions;
using SlurmNative.Gateway.Slurm;
using SlurmNative.Gateway.Tokens;

namespace SlurmNative.Gateway.Api;

/// <summary>Everything a request handler needs, built once at startup (tests pass fakes).</summary>
internal sealed record GatewayServices(
    GatewaySettings Settings,
    IPasswordLogin Kerberos,
    ILocalAccounts Accounts,
    ITicketStore Tickets,
    ITokenMinter Tokens,
    SlurmRestClient Slurm,
    SessionStore Sessions,
    LoginThrottle Throttle,
    GatewayPolicy Policy,
    ILogger Log,
    GatewayObserver? Observer = null)
{
    /// <summary>Metrics and audit trail; nothing when none was given.</summary>
    public GatewayObserver Events => Observer ?? GatewayObserver.None;
}
