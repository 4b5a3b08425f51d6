using SlurmNative.Credentials.Configuration;
using SlurmNative.Daemon.Logging;
using SlurmNative.Daemon.Service;

namespace SlurmNative.Daemon;

/// <summary>The production parts: MUNGE, libkrb5, the name service.</summary>
internal static class Wiring
{
    public static DaemonHost CreateHost(SlurmNativeConfig config, IDaemonLog log)
    {
        var kerberos = new KerberosTickets();
        return new DaemonHost(config, log, new MungeAuthenticator(config.MungeSocket), kerberos, kerberos, new CachedIdentities(new SystemIdentities()));
    }
}
