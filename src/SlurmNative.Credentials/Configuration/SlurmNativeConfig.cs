using System.Globalization;
using System.Net;
using SlurmNative.Credentials.Accounts;
using SlurmNative.Credentials.Audit;

namespace SlurmNative.Credentials.Configuration;

/// <summary>
/// The one configuration file (default <c>/etc/slurmnative/slurmnative.conf</c>) read by
/// the daemon, the CLI and the plugin: <c>key = value</c> lines, <c>#</c> comments.
/// Every key has a default; see <c>etc/slurmnative.conf</c> for the documented list.
/// </summary>
public sealed record SlurmNativeConfig
{
    public const string DefaultPath = "/etc/slurmnative/slurmnative.conf";
    public const int DefaultPort = 6850;

    // ---- clients (plugin, CLI, gateway) ----
    /// <summary>Daemons to try in order; the first that answers wins.</summary>
    public IReadOnlyList<string> Servers { get; init; } = [$"localhost:{DefaultPort}"];
    /// <summary>How long one request may take, all servers together: a dead or silent daemon leaves time for the next.</summary>
    public TimeSpan ClientTimeout { get; init; } = TimeSpan.FromSeconds(3);
    public ServerOrder ServerOrder { get; init; } = ServerOrder.Listed;

    /// <summary>
    /// The user slurmnatived runs as. Clients restrict every request's MUNGE credential to its
    /// uid, so nobody else who receives a request (a process on the daemon's port while the
    /// daemon is down, say) can decode it; the daemon checks it runs as this user.
    /// </summary>
    public string DaemonUser { get; init; } = "root";

    // ---- daemon ----
    public IReadOnlyList<IPEndPoint> Listen { get; init; } = [new(IPAddress.Any, DefaultPort), new(IPAddress.IPv6Any, DefaultPort)];
    public string? UnixSocket { get; init; }
    /// <summary>Where the credentials live; <c>database = PATH</c> is the older spelling of <c>store = sqlite:PATH</c>.</summary>
    public StoreLocation Store { get; init; } = StoreLocation.Sqlite("/var/lib/slurmnative/credentials.db");
    /// <summary>The PostgreSQL password, in a file only the daemon's user may read; never in the connection string.</summary>
    public string? StorePasswordFile { get; init; }
    public string KeyFile { get; init; } = "/etc/slurmnative/keys";
    public string AclFile { get; init; } = "/etc/slurmnative/acl.conf";
    public string SlurmUser { get; init; } = "slurm";
    /// <summary>How long a new connection may take to deliver its whole request; until then it is nobody's.</summary>
    public TimeSpan FrameTimeout { get; init; } = TimeSpan.FromSeconds(2);
    public TimeSpan RequestTimeout { get; init; } = TimeSpan.FromSeconds(5);
    public int MaxConnections { get; init; } = 16384;
    /// <summary>Connections from one address that may wait, request not yet delivered, before its oldest is closed.</summary>
    public int MaxWaitingPerHost { get; init; } = 4096;
    /// <summary>
    /// Whether a node (root or the Slurm user on a cluster host, as acl.conf says) gets a user's ticket only
    /// for a job of that user running on it (true, job_bound) or whenever it asks (false, any).
    /// </summary>
    public bool NodeFetchJobBound { get; init; } = true;
    /// <summary>The slurm.conf squeue and sinfo read to tell where jobs run; null: Slurm's default.</summary>
    public string? SlurmConf { get; init; }
    public TimeSpan RenewThreshold { get; init; } = TimeSpan.FromMinutes(30);
    public TimeSpan RenewInterval { get; init; } = TimeSpan.FromSeconds(60);
    public int RenewConcurrency { get; init; } = 8;
    /// <summary>How long a ticket stays stored once its owner has no job, unless stored with --keep; null (never): until it expires.</summary>
    public TimeSpan? KeepAfterLastJob { get; init; } = TimeSpan.FromHours(1);

    /// <summary>
    /// Where slurmnatived serves Prometheus metrics (http://ADDRESS/metrics); null (the default): nowhere.
    /// Only a loopback address unless <see cref="MetricsAllowRemote"/>: the metrics tell how many users
    /// forward tickets and when the daemon is busy, which is the site's business, not the network's.
    /// </summary>
    public IPEndPoint? MetricsListen { get; init; }
    public bool MetricsAllowRemote { get; init; }
    /// <summary>Where the audit trail of stores, fetches, refusals, removals and reloads goes.</summary>
    public AuditDestination Audit { get; init; } = AuditDestination.Default;

    // ---- both ----
    /// <summary>munged's socket; null means libmunge's built-in default.</summary>
    public string? MungeSocket { get; init; }

    /// <summary>
    /// The uid of <see cref="DaemonUser"/>: a number as written, root as 0 (no name-service
    /// lookup in srun for the default), any other name through the name service.
    /// </summary>
    /// <exception cref="ConfigException">no such user, or the name service failed.</exception>
    public uint DaemonUid()
    {
        if (DaemonUser == "root")
            return 0;
        if (uint.TryParse(DaemonUser, NumberStyles.None, CultureInfo.InvariantCulture, out uint uid))
            return uid;
        try
        {
            return UserDatabase.PasswdByName(DaemonUser)?.Uid
                ?? throw new ConfigException($"daemon_user '{DaemonUser}' is not a user on this host; set daemon_user in slurmnative.conf to the user slurmnatived runs as (a name or a uid)");
        }
        catch (IOException e)
        {
            throw new ConfigException($"cannot look up daemon_user '{DaemonUser}': {e.Message}; write its uid instead of its name to avoid the lookup");
        }
    }

    public static SlurmNativeConfig Load(string path) =>
        Parse(File.ReadAllText(path), path);

    /// <summary>The file when it exists, the defaults when it does not; a malformed file is always an error.</summary>
    public static SlurmNativeConfig LoadOrDefault(string path) =>
        File.Exists(path) ? Load(path) : new SlurmNativeConfig();

    public static SlurmNativeConfig Parse(string text, string source)
    {
        var config = new SlurmNativeConfig();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        string[] lines = text.Split('\n');
        for (int i = 0; i < lines.Length; i++)
        {
            string line = lines[i];
            int hash = line.IndexOf('#');
            if (hash >= 0)
                line = line[..hash];
            line = line.Trim();
            if (line.Length == 0)
                continue;
            ConfigException Fail(string what) => new($"{source}:{i + 1}: {what}");
            int equals = line.IndexOf('=');
            if (equals <= 0)
                throw Fail($"'{line}' is not 'key = value'");
            string key = line[..equals].Trim();
            string value = line[(equals + 1)..].Trim();
            if (!seen.Add(key))
                throw Fail($"'{key}' is set twice; keep one");
            try
            {
                config = Apply(config, key, value) ?? throw Fail($"unknown key '{key}' (known: {string.Join(", ", Keys)})");
            }
            catch (FormatException e)
            {
                throw Fail($"{key}: {e.Message}");
            }
            if (seen.Contains("store") && seen.Contains("database"))
                throw Fail("both 'store' and 'database' are set: keep 'store' ('database = PATH' is the older spelling of 'store = sqlite:PATH')");
        }
        if (config.MetricsListen is { } metrics && !IPAddress.IsLoopback(metrics.Address) && !config.MetricsAllowRemote)
        {
            throw new ConfigException($"{source}: metrics_listen = {metrics} is not a loopback address: anyone who can reach it would see how many users forward tickets " +
                "and how busy the daemon is; use 127.0.0.1 or [::1] and let a local Prometheus agent forward them, or set metrics_allow_remote = yes behind a firewall");
        }
        return config;
    }

    private static readonly string[] Keys =
    [
        "servers", "client_timeout", "server_order", "daemon_user", "listen", "unix_socket", "store", "store_password_file", "database", "key_file", "acl_file", "slurm_user",
        "frame_timeout", "request_timeout", "max_connections", "max_waiting_per_host", "node_fetch", "slurm_conf", "renew_threshold", "renew_interval", "renew_concurrency", "munge_socket",
        "keep_after_last_job", "metrics_listen", "metrics_allow_remote", "audit",
    ];

    private static SlurmNativeConfig? Apply(SlurmNativeConfig c, string key, string value) => key switch
    {
        "servers" => c with { Servers = List(value) },
        "client_timeout" => c with { ClientTimeout = Duration(value) },
        "server_order" => c with { ServerOrder = Order(value) },
        "daemon_user" => c with { DaemonUser = NonEmpty(value) },
        "listen" => c with { Listen = Array.ConvertAll(List(value), Endpoint) },
        "unix_socket" => c with { UnixSocket = NonEmpty(value) },
        "store" => c with { Store = StoreLocation.Parse(value) },
        "store_password_file" => c with { StorePasswordFile = NonEmpty(value) },
        "database" => c with { Store = StoreLocation.Sqlite(NonEmpty(value)) },
        "key_file" => c with { KeyFile = NonEmpty(value) },
        "acl_file" => c with { AclFile = NonEmpty(value) },
        "slurm_user" => c with { SlurmUser = NonEmpty(value) },
        "frame_timeout" => c with { FrameTimeout = Duration(value) },
        "request_timeout" => c with { RequestTimeout = Duration(value) },
        "max_connections" => c with { MaxConnections = Count(value) },
        "max_waiting_per_host" => c with { MaxWaitingPerHost = Count(value) },
        "node_fetch" => c with { NodeFetchJobBound = value switch { "job_bound" => true, "any" => false, _ => throw new FormatException($"'{value}' is not job_bound or any") } },
        "slurm_conf" => c with { SlurmConf = NonEmpty(value) },
        "renew_threshold" => c with { RenewThreshold = Duration(value) },
        "renew_interval" => c with { RenewInterval = Duration(value) },
        "renew_concurrency" => c with { RenewConcurrency = Count(value) },
        "munge_socket" => c with { MungeSocket = NonEmpty(value) },
        "keep_after_last_job" => c with { KeepAfterLastJob = value == "never" ? null : AtLeastOneSecond(Duration(value)) },
        "metrics_listen" => c with { MetricsListen = value == "off" ? null : MetricsEndpoint(value) },
        "metrics_allow_remote" => c with { MetricsAllowRemote = YesNo(value) },
        "audit" => c with { Audit = AuditDestination.Parse(value) },
        _ => null,
    };

    private static bool YesNo(string value) => value switch
    {
        "yes" => true,
        "no" => false,
        _ => throw new FormatException($"'{value}' is not yes or no"),
    };

    /// <summary>address:port with an explicit port: the metrics have no default port to fall back on.</summary>
    private static IPEndPoint MetricsEndpoint(string value) =>
        IPEndPoint.TryParse(value, out IPEndPoint? endpoint) && endpoint.Port != 0
            ? endpoint
            : throw new FormatException($"'{value}' is not an address:port (e.g. 127.0.0.1:9850 or [::1]:9850), or off");

    private static TimeSpan AtLeastOneSecond(TimeSpan value) =>
        value >= TimeSpan.FromSeconds(1) ? value : throw new FormatException("must be at least 1s (an upload must outlive the submission that follows it), or never");

    private static string NonEmpty(string value) =>
        value.Length > 0 ? value : throw new FormatException("needs a value");

    private static string[] List(string value)
    {
        string[] items = value.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        return items.Length > 0 ? items : throw new FormatException("needs at least one entry");
    }

    private static ServerOrder Order(string value) => value switch
    {
        "listed" => ServerOrder.Listed,
        "random" => ServerOrder.Random,
        _ => throw new FormatException($"'{value}' is not an order: write listed (the first server is the primary) or random (spread requests over all)"),
    };

    private static int Count(string value) =>
        int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out int n) && n > 0
            ? n
            : throw new FormatException($"'{value}' is not a positive whole number");

    /// <summary>Durations as a number with a unit: 500ms, 5s, 30m, 2h, 7d.</summary>
    /// <exception cref="FormatException">not a duration, or one longer than a TimeSpan holds.</exception>
    public static TimeSpan Duration(string value)
    {
        int split = 0;
        while (split < value.Length && char.IsAsciiDigit(value[split]))
            split++;
        if (split == 0 || !long.TryParse(value.AsSpan(0, split), NumberStyles.None, CultureInfo.InvariantCulture, out long n))
            throw new FormatException($"'{value}' is not a duration like 500ms, 5s, 30m, 2h or 7d");
        long ticksPerUnit = value[split..] switch
        {
            "ms" => TimeSpan.TicksPerMillisecond,
            "s" => TimeSpan.TicksPerSecond,
            "m" => TimeSpan.TicksPerMinute,
            "h" => TimeSpan.TicksPerHour,
            "d" => TimeSpan.TicksPerDay,
            _ => throw new FormatException($"'{value}' has no unit; write it like 500ms, 5s, 30m, 2h or 7d"),
        };
        // Checked here: TimeSpan's own factories throw OverflowException or ArgumentOutOfRangeException instead.
        if (n > TimeSpan.MaxValue.Ticks / ticksPerUnit)
            throw new FormatException($"'{value}' is longer than a duration can be; write at most {TimeSpan.MaxValue.Days}d");
        return TimeSpan.FromTicks(n * ticksPerUnit);
    }

    /// <summary>host:port, [v6]:port, or a bare address with the default port.</summary>
    public static IPEndPoint Endpoint(string value)
    {
        if (IPEndPoint.TryParse(value, out IPEndPoint? endpoint))
            return endpoint.Port == 0 ? new IPEndPoint(endpoint.Address, DefaultPort) : endpoint;
        throw new FormatException($"'{value}' is not an address:port (e.g. 0.0.0.0:{DefaultPort} or [::]:{DefaultPort})");
    }
}
