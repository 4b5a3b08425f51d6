using System.Net;
using System.Net.Sockets;
using SlurmNative.Credentials.Audit;
using SlurmNative.Credentials.Configuration;
using SlurmNative.Store.Keys;
using SlurmNative.Daemon.Jobs;
using SlurmNative.Daemon.Logging;
using SlurmNative.Daemon.Observability;
using SlurmNative.Common;
using SlurmNative.Daemon.Renewal;
using SlurmNative.Daemon.Retention;
using SlurmNative.Store;

namespace SlurmNative.Daemon.Service;

/// <summary>Everything the daemon runs, wired from one configuration: store, ACL, listener, renewer.</summary>
public sealed class DaemonHost : IDisposable
{
    private readonly SlurmNativeConfig config;
    private readonly IDaemonLog log;
    private readonly ICredentialStore store;
    private readonly CredentialListener listener;
    private readonly CredentialRenewer renewer;
    private readonly IdleCredentialSweeper? sweeper;
    private volatile Keyring keyring;
    private readonly AuditTrail audit;
    private readonly DaemonMetrics? metrics;
    private MetricsEndpoint? metricsEndpoint;

    /// <summary>Where requests, renewals and reloads are counted and audited.</summary>
    public DaemonObserver Observer { get; }

    /// <summary>The metrics URL once <see cref="Start"/> has bound it; null when metrics_listen is off.</summary>
    public Uri? MetricsUrl => metricsEndpoint?.Url;

    public PolicyHolder Policy { get; }

    /// <summary>Which store, and what it holds under which keys, as checked at start.</summary>
    public string StoreSummary { get; }

    public string StoreDescription => store.Description;

    public IReadOnlyList<EndPoint> BoundEndpoints => listener.BoundEndpoints;

    /// <exception cref="InvalidOperationException">a configuration, key or ACL problem, with what to fix.</exception>
    public DaemonHost(SlurmNativeConfig config, IDaemonLog log, IRequestAuthenticator authenticator, ITicketInspector inspector, ITicketRenewer kdc, IIdentityResolver identities,
        IJobDirectory jobs)
    {
        this.config = config;
        this.log = log;
        try
        {
            audit = new AuditTrail(config.Audit.Open(), log.Warning);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new InvalidOperationException($"cannot open the audit trail ({config.Audit}): {e.Message}; fix audit in slurmnative.conf", e);
        }
        metrics = config.MetricsListen is null ? null : new DaemonMetrics();
        Observer = new DaemonObserver(metrics, audit);
        try
        {
            keyring = Keyring.Load(config.KeyFile);
        }
        catch (KeyringException e)
        {
            audit.Dispose();
            throw new InvalidOperationException($"cannot load the credential keys: {e.Message}", e);
        }
        Observer.KeysLoaded(config.KeyFile, keyring, reload: false);
        Policy = new PolicyHolder(config.AclFile, config.SlurmUser, log);
        bool aclLoaded = Policy.Reload();
        Observer.AclLoaded(config.AclFile, aclLoaded, Policy.Current.Rules.Count, reload: false);
        if (!aclLoaded)
        {
            audit.Dispose();
            throw new InvalidOperationException($"fix {config.AclFile} (the line is named above) and start again");
        }

        try
        {
            store = CredentialStores.Open(config, () => keyring, log);
        }
        catch (Exception e) when (e is CredentialStoreException or StoreUnavailableException)
        {
            throw new InvalidOperationException($"cannot open the credential store: {e.Message}", e);
        }
        try
        {
            StoreSummary = CredentialStores.CheckKeysAsync(store, keyring).GetAwaiter().GetResult();
        }
        catch (Exception e) when (e is CredentialStoreException or StoreUnavailableException)
        {
            store.Dispose();
            throw new InvalidOperationException($"refusing to start: {e.Message}", e);
        }
        metrics?.Observe(store, () => keyring, () => audit.Dropped);
        sweeper = config.KeepAfterLastJob is TimeSpan keep ? new IdleCredentialSweeper(store, jobs, keep, log, observer: Observer) : null;
        var service = new CredentialService(store, () => Policy.Current, inspector, log, jobBinding: config.NodeFetchJobBound ? new NodeFetchGuard(jobs) : null,
            uploads: sweeper);
        var endpoints = new List<EndPoint>(config.Listen);
        if (config.UnixSocket is not null)
            endpoints.Add(new UnixDomainSocketEndPoint(config.UnixSocket));
        listener = new CredentialListener(endpoints, Limits(config, log), authenticator, identities, service, log, Observer);
        renewer = new CredentialRenewer(store, kdc, inspector, config.RenewThreshold, config.RenewConcurrency, log, observer: Observer);
    }

    /// <summary>Descriptors kept for everything but client connections: the database, munged, the KDC, logs.</summary>
    private const int ReservedDescriptors = 128;

    /// <summary>
    /// The configured limits, with max_connections kept below the open-file limit: a daemon out of
    /// descriptors could accept nobody, while one at max_connections still makes room by closing
    /// connections that never sent a request.
    /// </summary>
    private static ListenerLimits Limits(SlurmNativeConfig config, IDaemonLog log)
    {
        int connections = config.MaxConnections;
        if (OpenFileLimit() is long files && files - ReservedDescriptors < connections)
        {
            connections = (int)Math.Max(16, files - ReservedDescriptors);
            log.Warning($"max_connections {config.MaxConnections} lowered to {connections}: the daemon may open {files} files; raise LimitNOFILE in its unit to keep the configured value");
        }
        return new ListenerLimits(config.FrameTimeout, config.RequestTimeout, connections, Math.Min(config.MaxWaitingPerHost, connections));
    }

    /// <summary>The soft RLIMIT_NOFILE, as the kernel reports it; null if unlimited or unreadable.</summary>
    private static long? OpenFileLimit()
    {
        try
        {
            string? line = File.ReadLines("/proc/self/limits").FirstOrDefault(l => l.StartsWith("Max open files", StringComparison.Ordinal));
            string[] fields = line?["Max open files".Length..].Split(' ', StringSplitOptions.RemoveEmptyEntries) ?? [];
            return fields.Length > 0 && long.TryParse(fields[0], System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out long soft) ? soft : null;
        }
        catch (IOException)
        {
            return null;
        }
    }

    /// <summary>SIGHUP: re-read the ACL and the key file; a bad file keeps what was loaded.</summary>
    public void Reload()
    {
        audit.Reopen();
        bool aclLoaded = Policy.Reload();
        Observer.AclLoaded(config.AclFile, aclLoaded, Policy.Current.Rules.Count, reload: true);
        try
        {
            keyring = Keyring.Load(config.KeyFile);
            log.Info($"loaded {keyring.KeyIds.Count} keys from {config.KeyFile}; new writes use {keyring.PrimaryKeyId}");
            Observer.KeysLoaded(config.KeyFile, keyring, reload: true);
        }
        catch (KeyringException e)
        {
            log.Error($"keys not reloaded, keeping the previous ones: {e.Message}");
            Observer.KeysNotLoaded(config.KeyFile, e.Message);
            return;
        }
        // Kept even if they do not match what is stored (a rotation may be half done across the
        // daemons), but said loudly: a mismatch left in place fails this daemon's next start.
        Keyring reloaded = keyring;
        _ = Task.Run(async () =>
        {
            try
            {
                await CredentialStores.CheckKeysAsync(store, reloaded).ConfigureAwait(false);
            }
            catch (Exception e) when (e is CredentialStoreException or StoreUnavailableException)
            {
                log.Error($"the reloaded keys do not match the store: {e.Message}");
            }
        });
    }

    /// <summary>Binds the listening sockets now, so a bind error stops start-up before anything else runs.</summary>
    public void Start()
    {
        listener.Start();
        StartMetrics();
    }

    private void StartMetrics()
    {
        if (metrics is not null && config.MetricsListen is { } address && metricsEndpoint is null)
        {
            metricsEndpoint = new MetricsEndpoint(address, metrics.Registry);
            log.Info($"serving metrics at {metricsEndpoint.Url}");
        }
    }

    /// <summary>Serves until <paramref name="stop"/>; binds first unless <see cref="Start"/> already did.</summary>
    public async Task RunAsync(CancellationToken stop)
    {
        StartMetrics();
        log.Info($"slurmnatived ready: {store.Description}, {StoreSummary}; renewing below {config.RenewThreshold}; audit to {audit.Description}");
        await Task.WhenAll(
            listener.RunAsync(stop),
            renewer.RunAsync(config.RenewInterval, stop).ContinueWith(_ => { }, TaskScheduler.Default),
            (sweeper?.RunAsync(stop) ?? Task.CompletedTask).ContinueWith(_ => { }, TaskScheduler.Default)).ConfigureAwait(false);
    }

    public void Dispose()
    {
        metricsEndpoint?.Dispose();
        store.Dispose();
        audit.Dispose();
    }
}
