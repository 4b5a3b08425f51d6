using System.Globalization;
using Npgsql;
using SlurmNative.Credentials.Client;
using SlurmNative.Credentials.Configuration;
using SlurmNative.Tests.TestSupport;

namespace SlurmNative.IntegrationTests;

/// <summary>
/// Two real slurmnatived processes sharing the testbed's PostgreSQL (testbed.sh daemon --store
/// postgresql --count 2), each with a munged of its own as on two hosts; on the two-node testbed
/// each lives in one node's network namespace. Stopped at dispose.
/// </summary>
public sealed class SharedStoreDaemons : IDisposable
{
    private readonly Testbed testbed;

    public SharedStoreDaemons(Testbed testbed, params string[] settings)
    {
        this.testbed = testbed;
        ClientConfig = testbed.StartDaemons(2, settings);
        Servers = SlurmNativeConfig.Load(ClientConfig).Servers;
    }

    /// <summary>The clients' slurmnative.conf: both daemons, in order.</summary>
    public string ClientConfig { get; }

    /// <summary>host:port of daemon 1 and daemon 2.</summary>
    public IReadOnlyList<string> Servers { get; }

    private string Directory => Path.Combine(testbed.Directory, "slurmnative");

    /// <summary>Daemon <paramref name="n"/>'s own slurmnative.conf, which names it alone as the server.</summary>
    public string ConfigOf(int n) => Path.Combine(Directory, $"daemon-{n}.conf");

    public string LogOf(int n) => File.ReadAllText(Path.Combine(testbed.Directory, "log", $"slurmnatived-{n}.out"));

    public int PidOf(int n) => int.Parse(File.ReadAllText(Path.Combine(testbed.Directory, "pids", $"slurmnatived-{n}")).Trim(), CultureInfo.InvariantCulture);

    /// <summary>A crash: SIGKILL, no chance to answer or to let go of anything.</summary>
    public void Kill(int n) => Command.Run("kill", ["-KILL", PidOf(n).ToString(CultureInfo.InvariantCulture)]).EnsureSuccess($"kill -9 daemon {n}");

    /// <summary>Signs as root (the test process), as slurmstepd fetching for a job does.</summary>
    public DaemonClient RootClient(TimeSpan timeout, ServerOrder order = ServerOrder.Listed, IReadOnlyList<string>? servers = null) =>
        new(servers ?? Servers, timeout, new MungeSigner(daemonUid: 0, Path.Combine(testbed.Directory, "munge", "munge.socket")), order);

    /// <summary>The daemons' database, as their role, behind their back.</summary>
    public NpgsqlConnection Database()
    {
        string store = SlurmNativeConfig.Load(ClientConfig).Store.Target;
        var settings = new NpgsqlConnectionStringBuilder(store)
        {
            Password = File.ReadAllText(Path.Combine(Directory, "store.password")).Trim(),
            Pooling = false,
        };
        var connection = new NpgsqlConnection(settings.ConnectionString);
        connection.Open();
        return connection;
    }

    /// <summary>Stops both daemons (TERM), and the munged of the second; PostgreSQL stays up.</summary>
    public void Stop() => Command.Run(Testbed.Script, ["daemon-stop"]).EnsureSuccess("testbed.sh daemon-stop");

    public void Dispose() => Command.Run(Testbed.Script, ["daemon-stop"]);
}
