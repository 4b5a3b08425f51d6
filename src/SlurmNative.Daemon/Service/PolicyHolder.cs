using SlurmNative.Daemon.Acl;
using SlurmNative.Daemon.Logging;

namespace SlurmNative.Daemon.Service;

/// <summary>
/// The ACL in force. A reload that fails keeps the last good policy, so a typo in
/// acl.conf followed by SIGHUP never opens or closes the daemon by accident.
/// </summary>
public sealed class PolicyHolder(string path, string slurmUser, IDaemonLog log)
{
    private volatile AccessPolicy current = AccessPolicy.Default(slurmUser);

    public AccessPolicy Current => current;

    /// <returns>False when the file was malformed and the previous policy stays.</returns>
    public bool Reload()
    {
        try
        {
            if (!File.Exists(path))
            {
                current = AccessPolicy.Default(slurmUser);
                log.Info($"no ACL file at {path}; using the built-in default (root administers, {slurmUser} serves nodes, users manage their own)");
                return true;
            }
            current = AccessPolicy.Load(path);
            log.Info($"loaded {current.Rules.Count} ACL rules from {path}");
            return true;
        }
        catch (Exception e) when (e is AclFormatException or IOException or UnauthorizedAccessException)
        {
            log.Error($"ACL not loaded, keeping the previous rules: {e.Message}");
            return false;
        }
    }
}
