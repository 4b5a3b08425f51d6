using System.Text.Json;
using System.Text.Json.Serialization;

namespace SlurmNative.Gateway.Configuration;

/// <summary>
/// gateway.json, as written by the admin. Every member is optional; unknown members are an
/// error (a misspelt key silently ignored is how a policy ends up wider than intended).
/// Durations are strings with a unit ("60s", "8h", "7d"), as in slurmnative.conf.
/// </summary>
internal sealed class GatewaySettingsFile
{
    public string? Listen { get; set; }
    public string? Slurmrestd { get; set; }
    public string? SlurmrestdApi { get; set; }
    public string? DaemonConfig { get; set; }
    public string? Realm { get; set; }
    public bool? VerifyKdc { get; set; }
    public string? Keytab { get; set; }
    public string? VerifyPrincipal { get; set; }
    public List<string>? TrustedProxies { get; set; }
    public ModesSection? Modes { get; set; }
    public JwtSection? Jwt { get; set; }
    public TicketSection? Ticket { get; set; }
    public SessionSection? Sessions { get; set; }
    public LoginLimitSection? LoginLimits { get; set; }
    public int? MaxBodyBytes { get; set; }
    public Dictionary<string, GroupSection>? Groups { get; set; }
    public Dictionary<string, string>? JobEnvironment { get; set; }
    public string? MetricsListen { get; set; }
    public bool? MetricsAllowRemote { get; set; }
    public string? Audit { get; set; }

    /// <summary>Kestrel's own section (endpoints, TLS certificates), handed to Kestrel untouched.</summary>
    [JsonPropertyName("Kestrel")]
    public JsonElement? Kestrel { get; set; }

    internal sealed class ModesSection
    {
        public bool? Proxy { get; set; }
        public bool? IssueTokens { get; set; }
    }

    internal sealed class JwtSection
    {
        public string? Hs256Key { get; set; }
        public string? Rs256KeySet { get; set; }
        /// <summary>Refused with the reason: auth/slurm's key file cannot sign tokens Slurm accepts.</summary>
        public string? SlurmJwks { get; set; }
        public string? ProxyLifespan { get; set; }
        public string? IssuedLifespan { get; set; }
    }

    internal sealed class TicketSection
    {
        public string? Lifetime { get; set; }
        public string? RenewLifetime { get; set; }
    }

    internal sealed class SessionSection
    {
        public string? Lifetime { get; set; }
        public int? MaxSessions { get; set; }
        public int? MaxPerUser { get; set; }
    }

    internal sealed class LoginLimitSection
    {
        public int? FailuresPerUser { get; set; }
        public int? FailuresPerAddress { get; set; }
        public string? Window { get; set; }
    }

    internal sealed class GroupSection
    {
        public List<string>? Partitions { get; set; }
        public List<string>? Accounts { get; set; }
        public int? MaxTimeMinutes { get; set; }
    }
}
