using System.CommandLine;
using System.Diagnostics;
using SlurmNative.CommandLine;
using SlurmNative.Common;
using SlurmNative.Credentials.Accounts;
using SlurmNative.Credentials.Audit;
using SlurmNative.Credentials.Client;
using SlurmNative.Credentials.Configuration;
using SlurmNative.Gateway.Api;
using SlurmNative.Gateway.Configuration;
using SlurmNative.Gateway.Login;
using SlurmNative.Gateway.Observability;
using SlurmNative.Gateway.Policy;
using SlurmNative.Gateway.Sessions;
using SlurmNative.Gateway.Slurm;
using SlurmNative.Gateway.Tokens;

namespace SlurmNative.Gateway;

internal static class Program
{
    public static int Main(string[] args)
    {
        var config = new Option<string>("--config") { Description = "gateway settings", HelpName = "PATH", DefaultValueFactory = _ => GatewaySettings.DefaultPath };
        var check = new Option<bool>("--check") { Description = "load the settings and the signing key, report, and exit" };
        var root = new RootCommand("slurmnative-gateway: the SlurmNative REST gateway") { config, check };
        root.SetAction(r => Serve(r.GetValue(config)!, r.GetValue(check)));
        ParseResult parsed = root.Parse(args);
        if (CommandLineErrors.Report(parsed, "slurmnative-gateway"))
            return CommandLineErrors.UsageExitCode;
        return parsed.Invoke();
    }

    private static int Serve(string configPath, bool checkOnly)
    {
        // The libc bindings hold values that differ by architecture; on an unchecked one they would be wrong.
        if (!SupportedArchitectures.IncludesThisMachine)
        {
            Console.Error.WriteLine($"slurmnative-gateway: {SupportedArchitectures.Refusal}");
            return 2;
        }
        GatewaySettings settings;
        SlurmNativeConfig daemonConfig;
        try
        {
            settings = GatewaySettings.Load(configPath);
            daemonConfig = SlurmNativeConfig.LoadOrDefault(settings.DaemonConfig);
        }
        catch (Exception e) when (e is GatewaySettingsException or ConfigException or IOException)
        {
            Console.Error.WriteLine($"slurmnative-gateway: {e.Message}");
            return 2;
        }

        AuditTrail audit;
        try
        {
            audit = new AuditTrail(settings.Audit.Open(), message => Console.Error.WriteLine($"slurmnative-gateway: warning: {message}"));
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            Console.Error.WriteLine($"slurmnative-gateway: cannot open the audit trail ({settings.Audit}): {e.Message}; fix \"audit\" in {configPath}");
            return 2;
        }
        using var auditOnExit = audit;
        var observer = new GatewayObserver(settings.MetricsListen is null ? null : new GatewayMetrics(), audit);

        WebApplication app;
        try
        {
            app = Build(settings, configPath, daemonConfig, observer);
        }
        catch (Exception e) when (e is Jwt.JwtKeyException or KdcVerifierException or IOException or UnauthorizedAccessException)
        {
            Console.Error.WriteLine($"slurmnative-gateway: {e.Message}");
            return 2;
        }
        if (checkOnly)
        {
            Console.WriteLine($"slurmnative-gateway: {configPath} is valid; signing key {settings.KeyPath} loads; " +
                (settings.VerifyKdc ? $"KDC replies are verified with {settings.VerifyPrincipal ?? "host/<this host>"}'s key in {settings.Keytab}" : "KDC replies are NOT verified"));
            if (!settings.VerifyKdc)
                Console.Error.WriteLine($"slurmnative-gateway: warning: {UnverifiedKdcWarning}");
            ((IDisposable)app).Dispose();
            return 0;
        }
        MetricsEndpoint? metrics = null;
        if (observer.Metrics is { } registry && settings.MetricsListen is { } address)
        {
            try
            {
                metrics = new MetricsEndpoint(address, registry.Registry);
            }
            catch (InvalidOperationException e)
            {
                Console.Error.WriteLine($"slurmnative-gateway: {e.Message}");
                return 2;
            }
        }
        using (metrics)
            app.Run();
        return 0;
    }

    internal const string UnverifiedKdcWarning =
        "verify_kdc is false: password logins are not checked against the gateway's keytab, so whoever can answer its Kerberos " +
        "traffic (a spoofed DNS answer, a host on the path to the KDC) can log in as any user and have a Slurm token minted for them; " +
        "give the gateway a keytab and remove \"verify_kdc\": false (see README, \"The REST gateway\")";

    internal static WebApplication Build(GatewaySettings settings, string configPath, SlurmNativeConfig daemonConfig, GatewayObserver? observer = null)
    {
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { Args = [], ContentRootPath = AppContext.BaseDirectory });
        // Only the gateway's own file configures it: no appsettings.json from the working
        // directory, no environment variables that could quietly override the policy.
        builder.Configuration.Sources.Clear();
        builder.Configuration.AddJsonFile(Path.GetFullPath(configPath), optional: false, reloadOnChange: false);
        builder.WebHost.UseKestrelHttpsConfiguration();
        builder.WebHost.ConfigureKestrel((context, kestrel) =>
        {
            kestrel.Configure(context.Configuration.GetSection("Kestrel"));
            kestrel.AddServerHeader = false;
            kestrel.Limits.MaxRequestBodySize = settings.MaxBodyBytes;
            kestrel.Limits.MaxRequestHeadersTotalSize = 16 * 1024;
            kestrel.Limits.RequestHeadersTimeout = TimeSpan.FromSeconds(10);
        });
        if (!builder.Configuration.GetSection("Kestrel:Endpoints").Exists())
            builder.WebHost.UseUrls(settings.Listen);
        builder.Logging.ClearProviders();
        builder.Logging.AddSimpleConsole(o =>
        {
            o.SingleLine = true;
            o.TimestampFormat = "yyyy-MM-ddTHH:mm:ss ";
        });
        builder.Logging.SetMinimumLevel(LogLevel.Information);
        builder.Logging.AddFilter("Microsoft.AspNetCore", LogLevel.Warning);

        // Before anything listens: a gateway that could not tell the real KDC from an impostor does not start.
        KdcVerifier? verifier = settings.VerifyKdc ? KdcVerifier.Open(settings.Keytab, settings.VerifyPrincipal, settings.Realm) : null;

        var app = builder.Build();
        ILogger log = app.Services.GetRequiredService<ILoggerFactory>().CreateLogger("slurmnative-gateway");
        if (verifier is null)
            log.LogWarning("{Warning}", UnverifiedKdcWarning);

        uint? slurmUid = UserDatabase.PasswdByName(daemonConfig.SlurmUser)?.Uid;
        var minter = new TokenMinter(settings.KeyKind, settings.KeyPath, slurmUid, message => log.LogWarning("{Message}", message));
        minter.Check();

        var http = new HttpClient(new SocketsHttpHandler { PooledConnectionLifetime = TimeSpan.FromMinutes(5), ConnectTimeout = TimeSpan.FromSeconds(5) })
        {
            BaseAddress = settings.Slurmrestd,
            Timeout = TimeSpan.FromSeconds(30),
        };
        var sessions = new SessionStore(settings.SessionLifetime, settings.MaxSessions, settings.MaxSessionsPerUser);
        if (observer?.Metrics is { } metrics)
        {
            metrics.Observe(() => sessions.Count, () => observer.Audit.Dropped);
            // Route templates, not paths: a job id in a label would make a series per job.
            app.Use(async (http, next) =>
            {
                long started = Stopwatch.GetTimestamp();
                try
                {
                    await next(http).ConfigureAwait(false);
                }
                finally
                {
                    string route = (http.GetEndpoint() as RouteEndpoint)?.RoutePattern.RawText ?? "unmatched";
                    metrics.Request(route, http.Response.StatusCode, Stopwatch.GetElapsedTime(started));
                }
            });
        }
        var services = new GatewayServices(
            settings,
            new KerberosPasswordLogin(settings.Realm, settings.TicketLifetime, settings.TicketRenewLifetime, verifier),
            new SystemAccounts(),
            new DaemonTicketStore(DaemonClient.ForConfig(daemonConfig)),
            minter,
            new SlurmRestClient(http, settings.SlurmrestdApi),
            sessions,
            new LoginThrottle(settings.FailuresPerUser, settings.FailuresPerAddress, settings.FailureWindow),
            new GatewayPolicy(settings.Groups),
            log,
            observer);
        GatewayApi.Map(app, services);
        app.Lifetime.ApplicationStarted.Register(() => log.LogInformation(
            "listening on {Urls}; slurmrestd {Restd} ({Api}); proxy {Proxy}, token issuance {Issue}; groups {Groups}; KDC replies {Verified}",
            string.Join(", ", app.Urls), settings.Slurmrestd, settings.SlurmrestdApi ?? "API version read from its OpenAPI document", settings.Proxy ? "on" : "off", settings.IssueTokens ? "on" : "off",
            string.Join(", ", settings.Groups.Select(g => g.Group)),
            verifier is null ? "NOT verified" : $"verified with {verifier.Principal} from {verifier.Keytab}"));
        return app;
    }
}
