using SlurmNative.Credentials.Configuration;
using SlurmNative.Daemon.Jobs;
using SlurmNative.Daemon.Logging;
using SlurmNative.Daemon.Service;

namespace SlurmNative.Daemon;

/// <summary>The production parts: MUNGE, libkrb5, the name service.</summary>
internal static class Wiring
{
    /// <exception cref="ConfigException">the daemon does not run as daemon_user, or another configuration problem.</exception>
    public static DaemonHost CreateHost(SlurmNativeConfig config, IDaemonLog log)
    {
        uint self = Interop.Libc.geteuid();
        uint expected = config.DaemonUid();
        if (self != expected)
        {
            throw new ConfigException(
                $"slurmnatived runs as uid {self}, but daemon_user is '{config.DaemonUser}' (uid {expected}): clients restrict their requests to uid {expected}, " +
                $"which this daemon cannot read; run it as {config.DaemonUser}, or set daemon_user to the user it runs as in slurmnative.conf on every host");
        }
        var kerberos = new LibKrb5TicketService();
        return new DaemonHost(config, log, new MungeAuthenticator(config.MungeSocket, self), kerberos, kerberos, new CachedIdentities(new SystemIdentities()),
            new SlurmJobDirectory(config.SlurmConf));
    }
}
