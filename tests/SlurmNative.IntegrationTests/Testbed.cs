using SlurmNative.Tests.TestSupport;

namespace SlurmNative.IntegrationTests;

/// <summary>
/// The project's own test cluster (testbed/testbed.sh): a real MIT KDC, munged,
/// slurmctld and slurmd on loopback, started once for all integration tests and
/// stopped at the end, with the published plugin in plugstack.conf.
/// </summary>
public sealed class Testbed : IDisposable
{
    public static readonly string Script = Path.Combine(Repository.Root, "testbed", "testbed.sh");

    public string Directory { get; } = Environment.GetEnvironmentVariable("TESTBED_DIR") ?? "/tmp/slurmnative-testbed";

    public string PluginPath { get; } = Repository.PluginPath;

    /// <summary>
    /// PATH for programs the tests start themselves: the Slurm under test (TESTBED_SLURM_PREFIX) first,
    /// as testbed.sh puts it, so a daemon asks slurmctld with client commands of its own release.
    /// </summary>
    public static string SearchPath { get; } = Repository.SlurmPrefix is { } prefix
        ? $"{prefix}/sbin:{prefix}/bin:{Environment.GetEnvironmentVariable("PATH")}"
        : Environment.GetEnvironmentVariable("PATH") ?? "/usr/sbin:/usr/bin:/sbin:/bin";

    private int nodes = 1;
    private bool contain;
    private bool restd;
    private string plugstackLine = "";

    /// <summary>slurmrestd's base URL (port base + 820), once <see cref="StartRestd"/> ran.</summary>
    public Uri RestdUrl { get; } = new($"http://127.0.0.1:{int.Parse(Environment.GetEnvironmentVariable("TESTBED_PORT_BASE") ?? "61000", System.Globalization.CultureInfo.InvariantCulture) + 820}/");

    /// <summary>The newest API version slurmrestd serves (v0.0.38 on 22.05), as the testbed read it at start.</summary>
    public string RestdApi => File.ReadAllText(Path.Combine(Directory, "etc", "slurmrestd-api")).Trim();

    public Testbed()
    {
        string uid = Command.Run("id", ["-u"]).Stdout.Trim();
        if (uid != "0")
            throw new InvalidOperationException("the integration tests start krb5kdc, munged, slurmctld and slurmd and must run as root: sudo ./build.sh test");
        UsePlugstackLine($"optional {PluginPath} default=on");
    }

    /// <summary>
    /// Rewrites plugstack.conf. srun and slurmstepd read it at every start, so the
    /// next job sees the new line without restarting a daemon.
    /// </summary>
    public void UsePlugstackLine(string line)
    {
        plugstackLine = line;
        Command.Run(Script, ["start", "--nodes", nodes.ToString(System.Globalization.CultureInfo.InvariantCulture), "--plugin", PluginPath, "--plugstack-line", line,
                .. (restd ? new[] { "--restd" } : []), .. (contain ? new[] { "--contain" } : [])], TimeSpan.FromMinutes(3))
            .EnsureSuccess($"testbed.sh start (plugstack line: {line})");
    }

    /// <summary>Adds slurmrestd (auth/jwt, as its own user) to the running cluster; it stays for later tests.</summary>
    public void StartRestd()
    {
        restd = true;
        UsePlugstackLine(plugstackLine);
    }

    /// <summary>Makes slurmctld verify RS256 tokens with the published JWKS at <paramref name="path"/> (restarts slurmctld).</summary>
    public void UseJwks(string path) =>
        Command.Run(Script, ["jwks", path], TimeSpan.FromMinutes(1)).EnsureSuccess($"testbed.sh jwks {path}");

    /// <summary>
    /// Stops the cluster and starts it again with <paramref name="count"/> compute nodes (2: each in its own
    /// network namespace), and with an extern step in every job (PrologFlags=Contain) if <paramref name="externSteps"/>.
    /// </summary>
    public void RestartWithNodes(int count, bool externSteps = false)
    {
        nodes = count;
        contain = externSteps;
        Command.Run(Script, ["stop"], TimeSpan.FromMinutes(2)).EnsureSuccess("testbed.sh stop");
        passwords.Clear(); // a new KDC, new passwords
        UsePlugstackLine($"optional {PluginPath} default=on");
    }

    /// <summary>Starts slurmnatived against the cluster (testbed.sh daemon); returns its slurmnative.conf.</summary>
    public string StartDaemon() =>
        Command.Run(Script, ["daemon"], TimeSpan.FromMinutes(1)).EnsureSuccess("testbed.sh daemon").Stdout.Trim();

    /// <summary>
    /// Starts <paramref name="count"/> daemons sharing the testbed's PostgreSQL (testbed.sh daemon --store
    /// postgresql), each with a munged of its own; returns the clients' slurmnative.conf, which lists them all.
    /// </summary>
    public string StartDaemons(int count, params string[] settings) =>
        Command.Run(Script, ["daemon", "--store", "postgresql", "--count", count.ToString(System.Globalization.CultureInfo.InvariantCulture),
            .. settings.SelectMany(s => new[] { "--set", s })], TimeSpan.FromMinutes(2)).EnsureSuccess("testbed.sh daemon --store postgresql").Stdout.Trim();

    /// <summary>Starts PostgreSQL if it is not running; returns the connection string of its slurmnative role (no password).</summary>
    public string StartPostgres() =>
        Command.Run(Script, ["postgres", "start"], TimeSpan.FromMinutes(1)).EnsureSuccess("testbed.sh postgres start").Stdout.Trim();

    /// <summary>The slurmnative role's password, in a file of root's (mode 0600), as store_password_file wants it.</summary>
    public string PostgresPasswordFile => Path.Combine(Directory, "postgres-password");

    /// <summary>
    /// Restarts PostgreSQL, down for <paramref name="down"/> seconds; <paramref name="crash"/> makes the
    /// shutdown immediate, so the start is a crash recovery.
    /// </summary>
    public void RestartPostgres(bool crash, int down = 0) =>
        Command.Run(Script, ["postgres", "restart", "--down", down.ToString(System.Globalization.CultureInfo.InvariantCulture), .. (crash ? new[] { "--immediate" } : [])], TimeSpan.FromMinutes(1))
            .EnsureSuccess("testbed.sh postgres restart");

    /// <summary>With two nodes: cuts <paramref name="node"/>'s network namespace off the bridge, or joins it again.</summary>
    public void Partition(string node, bool cut) =>
        Command.Run(Script, ["partition", node, cut ? "on" : "off"]).EnsureSuccess($"testbed.sh partition {node}");

    /// <summary>
    /// Waits (up to <paramref name="timeout"/>) until sinfo shows every node idle: a job the
    /// previous test cancelled may still be completing, and a test that submits through an
    /// API which refuses rather than queues must not meet that node.
    /// </summary>
    public void WaitForIdleNodes(TimeSpan timeout)
    {
        DateTime deadline = DateTime.UtcNow + timeout;
        while (DateTime.UtcNow < deadline)
        {
            string states = RunAs("root", "sinfo", "-h", "-o", "%t").Stdout.Trim();
            if (states.Length > 0 && states.Split('\n').All(state => state.Trim() == "idle"))
                return;
            Thread.Sleep(300);
        }
    }

    /// <summary>Runs a command as a test user with the cluster's SLURM_CONF and KRB5_CONFIG.</summary>
    public CommandResult RunAs(string user, params string[] command) =>
        Command.Run(Script, ["run-as", user, .. command], TimeSpan.FromMinutes(2));

    /// <summary>kinit as the user into their default ccache, with extra kinit options (e.g. -l 30s).</summary>
    public void Kinit(string user, params string[] options) =>
        Command.Run(Script, ["kinit", user, .. options]).EnsureSuccess($"kinit {user}");

    /// <summary>kinit for <paramref name="user"/> into a FILE ccache at <paramref name="path"/>, then hand the file to <paramref name="owner"/>.</summary>
    public void KinitInto(string user, string path, string owner)
    {
        KinitAsRoot(user, path);
        Command.Run("chown", [$"{owner}:", path]).EnsureSuccess("chown");
    }

    // Passwords are fixed for the life of the testbed; asking the script once per user keeps
    // bulk kinit (a thousand tickets) fast.
    private readonly System.Collections.Concurrent.ConcurrentDictionary<string, string> passwords = new();

    public string Password(string user) =>
        passwords.GetOrAdd(user, u => Command.Run(Script, ["password", u]).EnsureSuccess($"password {u}").Stdout.Trim());

    /// <summary>A new TGT for the user straight from the KDC (kinit), in the daemon's upload encoding.</summary>
    public byte[] FreshTicket(string user)
    {
        string path = Path.Combine(Directory, $"fresh-{Guid.NewGuid():N}");
        try
        {
            KinitAsRoot(user, path);
            return SlurmNative.Credentials.Kerberos.KerberosTickets.ReadTicketGrantingTicket("FILE:" + path);
        }
        finally
        {
            File.Delete(path);
        }
    }

    // The password travels as an argument to sh, never through a file or the log.
    private void KinitAsRoot(string user, string path) =>
        Command.Run("/bin/sh", ["-c", "printf '%s\\n' \"$1\" | KRB5_CONFIG=\"$2\" kinit -c \"FILE:$3\" \"$4\" >/dev/null",
            "sh", Password(user), Path.Combine(Directory, "etc", "krb5.conf"), path, user]).EnsureSuccess($"kinit {user} into {path}");

    /// <summary>The gateway's own service key (owner slurmnative-gw, 0400), made by testbed.sh start.</summary>
    public string GatewayKeytab => Path.Combine(Directory, "gateway.keytab");

    public string GatewayPrincipal => "slurmnative-gw/localhost@SLURMNATIVE.TEST";

    /// <summary>kadmin.local against the real KDC's database (the KDC reads it afresh for every request).</summary>
    public void Kadmin(string query)
    {
        CommandResult result = Command.Run("/bin/sh", ["-c", "KRB5_CONFIG=\"$1/etc/krb5.conf\" KRB5_KDC_PROFILE=\"$1/etc/kdc.conf\" kadmin.local -r SLURMNATIVE.TEST -q \"$2\"",
            "sh", Directory, query]).EnsureSuccess($"kadmin.local {query}");
        // kadmin.local exits 0 when the query itself fails.
        if (result.Output.Contains("error", StringComparison.OrdinalIgnoreCase) || result.Output.Contains("not found", StringComparison.OrdinalIgnoreCase))
            throw new InvalidOperationException($"kadmin.local {query}: {result.Output}");
    }

    /// <summary>The real KDC's log: one line per AS and TGS request it answered.</summary>
    public string KdcLogPath => Path.Combine(Directory, "log", "krb5kdc.log");

    /// <summary>
    /// Starts a second KDC for the same realm with its own database (other passwords, other service
    /// keys); returns a krb5.conf that sends clients to it. <see cref="StopRogueKdc"/> removes it.
    /// </summary>
    public string StartRogueKdc() =>
        Command.Run(Script, ["rogue-kdc", "start"], TimeSpan.FromMinutes(1)).EnsureSuccess("testbed.sh rogue-kdc start").Stdout.Trim();

    public void StopRogueKdc() =>
        Command.Run(Script, ["rogue-kdc", "stop"], TimeSpan.FromMinutes(1)).EnsureSuccess("testbed.sh rogue-kdc stop");

    /// <summary>The user's password in the rogue KDC's database (never the real one).</summary>
    public string RoguePassword(string user) =>
        Command.Run(Script, ["rogue-kdc", "password", user]).EnsureSuccess($"rogue-kdc password {user}").Stdout.Trim();

    public CommandResult Klist(string cache) =>
        Command.Run("/bin/sh", ["-c", $"KRB5_CONFIG={Directory}/etc/krb5.conf klist -c FILE:{cache}"]).EnsureSuccess($"klist {cache}");

    public uint UidOf(string user) => uint.Parse(Command.Run("id", ["-u", user]).EnsureSuccess($"id -u {user}").Stdout.Trim(), System.Globalization.CultureInfo.InvariantCulture);

    /// <summary>slurmstepd logs through slurmd's log file; lines may land just after the job ends.</summary>
    public string WaitForSlurmdLogLine(string needle, TimeSpan? timeout = null)
    {
        string path = Path.Combine(Directory, "log", "slurmd.log");
        DateTime deadline = DateTime.UtcNow + (timeout ?? TimeSpan.FromSeconds(15));
        do
        {
            if (File.Exists(path))
            {
                string? line = File.ReadLines(path).LastOrDefault(l => l.Contains(needle, StringComparison.Ordinal));
                if (line is not null)
                    return line;
            }
            Thread.Sleep(200);
        }
        while (DateTime.UtcNow < deadline);
        throw new Xunit.Sdk.XunitException($"'{needle}' did not appear in {path} within the timeout");
    }

    public void Dispose() => Command.Run(Script, ["stop"], TimeSpan.FromMinutes(2));
}
