using System.Net;
using System.Text.Json;
using SlurmNative.Credentials.Audit;
using SlurmNative.Credentials.Configuration;

namespace SlurmNative.Gateway.Configuration;

/// <summary>The checked, defaulted settings the gateway runs with.</summary>
internal sealed record GatewaySettings
{
    public const string DefaultPath = "/etc/slurmnative/gateway.json";

    public string Listen { get; init; } = "http://127.0.0.1:6880";
    public Uri Slurmrestd { get; init; } = new("http://127.0.0.1:6820/");
    /// <summary>The data-parser version to use; null: the newest slurmrestd serves that the gateway knows.</summary>
    public string? SlurmrestdApi { get; init; }
    public string DaemonConfig { get; init; } = SlurmNativeConfig.DefaultPath;
    public string? Realm { get; init; }
    /// <summary>Whether every password login's TGT is checked against <see cref="Keytab"/> (krb5_verify_init_creds).</summary>
    public bool VerifyKdc { get; init; } = true;
    /// <summary>The gateway's own keys, as krb5_kt_resolve names them; the same default as pam_krb5 and sshd.</summary>
    public string Keytab { get; init; } = "/etc/krb5.keytab";
    /// <summary>The principal whose key in <see cref="Keytab"/> proves the KDC; null: host/&lt;this host's name&gt;.</summary>
    public string? VerifyPrincipal { get; init; }
    /// <summary>Where X-Forwarded-For is believed; from anywhere else the connection's own address counts.</summary>
    public IReadOnlyList<IPNetwork> TrustedProxies { get; init; } = [];
    public bool Proxy { get; init; } = true;
    public bool IssueTokens { get; init; }
    public SigningKeyKind KeyKind { get; init; } = SigningKeyKind.Hs256KeyFile;
    public string KeyPath { get; init; } = "/var/spool/slurmctld/jwt_hs256.key";
    /// <summary>Each call to slurmrestd gets its own token; it only has to outlive that call.</summary>
    public TimeSpan ProxyTokenLifespan { get; init; } = TimeSpan.FromSeconds(60);
    public TimeSpan IssuedTokenLifespan { get; init; } = TimeSpan.FromMinutes(10);
    public TimeSpan? TicketLifetime { get; init; }
    public TimeSpan TicketRenewLifetime { get; init; } = TimeSpan.FromDays(7);
    public TimeSpan SessionLifetime { get; init; } = TimeSpan.FromHours(8);
    public int MaxSessions { get; init; } = 10_000;
    /// <summary>A user's sessions beyond this close, oldest first, so one password cannot fill the table.</summary>
    public int MaxSessionsPerUser { get; init; } = 20;
    public int FailuresPerUser { get; init; } = 5;
    public int FailuresPerAddress { get; init; } = 20;
    public TimeSpan FailureWindow { get; init; } = TimeSpan.FromMinutes(5);
    public int MaxBodyBytes { get; init; } = 64 * 1024;
    public IReadOnlyList<GroupRule> Groups { get; init; } = [];
    public IReadOnlyDictionary<string, string> JobEnvironment { get; init; } =
        new Dictionary<string, string>(StringComparer.Ordinal) { ["PATH"] = "/usr/local/bin:/usr/bin:/bin" };
    /// <summary>Where Prometheus metrics are served (http://ADDRESS/metrics); null: nowhere. Loopback only unless <see cref="MetricsAllowRemote"/>.</summary>
    public IPEndPoint? MetricsListen { get; init; }
    public bool MetricsAllowRemote { get; init; }
    /// <summary>Where logins, refusals and minted tokens are audited.</summary>
    public AuditDestination Audit { get; init; } = AuditDestination.Default;

    public static GatewaySettings Load(string path)
    {
        byte[] json;
        try
        {
            json = File.ReadAllBytes(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new GatewaySettingsException($"cannot read {path}: {e.Message}; create it (see etc/gateway.json) or pass --config PATH");
        }
        return Parse(json, path);
    }

    public static GatewaySettings Parse(ReadOnlySpan<byte> json, string source)
    {
        GatewaySettingsFile file;
        try
        {
            file = JsonSerializer.Deserialize(json, SettingsJson.Default.GatewaySettingsFile)
                ?? throw new GatewaySettingsException($"{source}: the file is 'null'; write a JSON object");
        }
        catch (JsonException e)
        {
            throw new GatewaySettingsException($"{source}: {Describe(e)}");
        }
        return From(file, source);
    }

    /// <summary>System.Text.Json's messages name .NET types; an admin needs the JSON path and the line.</summary>
    internal static string Describe(JsonException e)
    {
        string where = e.Path is { Length: > 0 } p ? p : "$";
        string line = e.LineNumber is long l ? $" (line {l + 1})" : "";
        if (e.Message.Contains("could not be mapped", StringComparison.Ordinal))
            return $"unknown key at {where}{line}; check the spelling against the documented keys";
        if (e.Message.Contains("Duplicate", StringComparison.OrdinalIgnoreCase))
            return $"key {where}{line} appears twice; keep one";
        if (e.Message.Contains("could not be converted", StringComparison.Ordinal))
            return $"wrong type of value at {where}{line}";
        return $"not valid JSON at {where}{line}";
    }

    private static GatewaySettings From(GatewaySettingsFile f, string source)
    {
        GatewaySettingsException Fail(string what) => new($"{source}: {what}");
        TimeSpan Duration(string? value, string key, TimeSpan fallback)
        {
            if (value is null)
                return fallback;
            try
            {
                TimeSpan d = SlurmNativeConfig.Duration(value);
                return d > TimeSpan.Zero ? d : throw Fail($"{key} must be longer than 0");
            }
            catch (FormatException e)
            {
                throw Fail($"{key}: {e.Message}");
            }
        }
        int Positive(int? value, string key, int fallback) =>
            value is null ? fallback : value > 0 ? value.Value : throw Fail($"{key} must be a positive number");

        var defaults = new GatewaySettings();
        var (kind, keyPath) = SigningKey(f.Jwt, defaults, Fail);

        Uri restd = defaults.Slurmrestd;
        if (f.Slurmrestd is { } r)
        {
            if (!Uri.TryCreate(r.EndsWith('/') ? r : r + "/", UriKind.Absolute, out Uri? parsed) || parsed.Scheme is not ("http" or "https"))
                throw Fail($"slurmrestd '{r}' is not an http:// or https:// URL");
            restd = parsed;
        }
        string? api = f.SlurmrestdApi ?? defaults.SlurmrestdApi;
        if (api is not null && !System.Text.RegularExpressions.Regex.IsMatch(api, "^v[0-9]+\\.[0-9]+\\.[0-9]+$"))
            throw Fail($"slurmrestd_api '{api}' is not an API version like v0.0.38");

        bool proxy = f.Modes?.Proxy ?? defaults.Proxy;
        bool issue = f.Modes?.IssueTokens ?? defaults.IssueTokens;
        if (!proxy && !issue)
            throw Fail("modes: both proxy and issue_tokens are off, so the gateway could do nothing after a login; enable one");

        var groups = new List<GroupRule>();
        foreach (var (name, g) in f.Groups ?? [])
        {
            if (string.IsNullOrWhiteSpace(name))
                throw Fail("groups: a group name is empty");
            groups.Add(new GroupRule(name, NameSet(g.Partitions, $"groups.{name}.partitions", Fail), NameSet(g.Accounts, $"groups.{name}.accounts", Fail),
                (g.Partitions ?? []).Where(p => p != "*").ToList(),
                g.MaxTimeMinutes is null ? null : Positive(g.MaxTimeMinutes, $"groups.{name}.max_time_minutes", 0)));
        }
        if (groups.Count == 0)
            throw Fail("groups is empty, so nobody could log in; name at least one Unix group, e.g. \"groups\": {\"hpc\": {\"partitions\": [\"*\"]}}");

        var environment = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var (name, value) in f.JobEnvironment ?? new Dictionary<string, string>(defaults.JobEnvironment))
            environment[name] = value;

        string? realm = f.Realm;
        if (realm is not null && (realm.Length == 0 || realm.Any(c => c is '@' or '/' or '\\' || char.IsControl(c))))
            throw Fail($"realm '{realm}' is not a Kerberos realm name");

        string keytab = f.Keytab ?? defaults.Keytab;
        if (keytab.Length == 0 || keytab.Any(char.IsControl))
            throw Fail($"keytab '{keytab}' is not a keytab name; write a path such as /etc/krb5.keytab");
        if (f.VerifyPrincipal is { } verifyPrincipal && (verifyPrincipal.Length == 0 || verifyPrincipal.Any(c => char.IsControl(c) || char.IsWhiteSpace(c))))
            throw Fail($"verify_principal '{verifyPrincipal}' is not a principal name such as host/gateway.example.org");

        var proxies = new List<IPNetwork>();
        foreach (string trusted in f.TrustedProxies ?? [])
            proxies.Add(ParseNetwork(trusted) ?? throw Fail($"trusted_proxies: '{trusted}' is not an address or address/prefix such as 10.0.0.5 or 10.0.0.0/24"));

        IPEndPoint? metrics = null;
        if (f.MetricsListen is { } m && m != "off")
        {
            if (!IPEndPoint.TryParse(m, out metrics) || metrics.Port == 0)
                throw Fail($"metrics_listen '{m}' is not an address:port such as 127.0.0.1:9851, or \"off\"");
            if (!IPAddress.IsLoopback(metrics.Address) && f.MetricsAllowRemote != true)
                throw Fail($"metrics_listen {metrics} is not a loopback address: anyone who can reach it would see login and refusal counts; " +
                    "use 127.0.0.1 or [::1] and let a local Prometheus agent forward them, or set \"metrics_allow_remote\": true behind a firewall");
        }
        AuditDestination audit;
        try
        {
            audit = f.Audit is null ? defaults.Audit : AuditDestination.Parse(f.Audit);
        }
        catch (FormatException e)
        {
            throw Fail($"audit: {e.Message}");
        }

        return new GatewaySettings
        {
            MetricsListen = metrics,
            MetricsAllowRemote = f.MetricsAllowRemote ?? false,
            Audit = audit,
            Listen = f.Listen ?? defaults.Listen,
            Slurmrestd = restd,
            SlurmrestdApi = api,
            DaemonConfig = f.DaemonConfig ?? defaults.DaemonConfig,
            Realm = realm,
            VerifyKdc = f.VerifyKdc ?? defaults.VerifyKdc,
            Keytab = keytab,
            VerifyPrincipal = f.VerifyPrincipal,
            TrustedProxies = proxies,
            Proxy = proxy,
            IssueTokens = issue,
            KeyKind = kind,
            KeyPath = keyPath,
            ProxyTokenLifespan = Duration(f.Jwt?.ProxyLifespan, "jwt.proxy_lifespan", defaults.ProxyTokenLifespan),
            IssuedTokenLifespan = Duration(f.Jwt?.IssuedLifespan, "jwt.issued_lifespan", defaults.IssuedTokenLifespan),
            TicketLifetime = f.Ticket?.Lifetime is null ? null : Duration(f.Ticket.Lifetime, "ticket.lifetime", TimeSpan.Zero),
            TicketRenewLifetime = Duration(f.Ticket?.RenewLifetime, "ticket.renew_lifetime", defaults.TicketRenewLifetime),
            SessionLifetime = Duration(f.Sessions?.Lifetime, "sessions.lifetime", defaults.SessionLifetime),
            MaxSessions = Positive(f.Sessions?.MaxSessions, "sessions.max_sessions", defaults.MaxSessions),
            MaxSessionsPerUser = Positive(f.Sessions?.MaxPerUser, "sessions.max_per_user", defaults.MaxSessionsPerUser),
            FailuresPerUser = Positive(f.LoginLimits?.FailuresPerUser, "login_limits.failures_per_user", defaults.FailuresPerUser),
            FailuresPerAddress = Positive(f.LoginLimits?.FailuresPerAddress, "login_limits.failures_per_address", defaults.FailuresPerAddress),
            FailureWindow = Duration(f.LoginLimits?.Window, "login_limits.window", defaults.FailureWindow),
            MaxBodyBytes = Positive(f.MaxBodyBytes, "max_body_bytes", defaults.MaxBodyBytes),
            Groups = groups,
            JobEnvironment = environment,
        };
    }

    private static (SigningKeyKind, string) SigningKey(GatewaySettingsFile.JwtSection? jwt, GatewaySettings defaults, Func<string, GatewaySettingsException> fail)
    {
        var named = new List<(SigningKeyKind Kind, string Path)>();
        if (jwt?.Hs256Key is { } hs)
            named.Add((SigningKeyKind.Hs256KeyFile, hs));
        if (jwt?.Rs256KeySet is { } rs)
            named.Add((SigningKeyKind.Rs256KeySet, rs));
        // slurmrestd hands every user token to auth/jwt, and auth/slurm refuses tokens it did not make itself.
        if (jwt?.SlurmJwks is not null)
            throw fail("jwt.slurm_jwks cannot work: slurmrestd and slurmctld verify user tokens with auth/jwt, which reads AuthAltParameters=jwt_key= or jwks=, never auth/slurm's slurm.jwks; use hs256_key or rs256_key_set");
        if (named.Count > 1)
            throw fail("jwt names more than one signing key (hs256_key, rs256_key_set); keep the one slurmctld is configured with");
        var (kind, path) = named.Count == 1 ? named[0] : (defaults.KeyKind, defaults.KeyPath);
        if (!Path.IsPathFullyQualified(path))
            throw fail($"signing key path '{path}' must be absolute");
        return (kind, path);
    }

    /// <summary>An address is a network of one; IPv4-mapped IPv6 is read as the IPv4 address Kestrel reports.</summary>
    private static IPNetwork? ParseNetwork(string value)
    {
        if (IPNetwork.TryParse(value, out IPNetwork network))
            return network;
        if (IPAddress.TryParse(value, out IPAddress? address))
        {
            address = address.IsIPv4MappedToIPv6 ? address.MapToIPv4() : address;
            return new IPNetwork(address, address.AddressFamily == System.Net.Sockets.AddressFamily.InterNetwork ? 32 : 128);
        }
        return null;
    }

    private static HashSet<string>? NameSet(List<string>? names, string key, Func<string, GatewaySettingsException> fail)
    {
        if (names is null || names.Contains("*"))
            return null;
        foreach (string name in names)
        {
            if (!Jobs.JobValidation.IsSlurmName(name))
                throw fail($"{key}: '{name}' is not a Slurm partition or account name");
        }
        return new HashSet<string>(names, StringComparer.Ordinal);
    }
}
