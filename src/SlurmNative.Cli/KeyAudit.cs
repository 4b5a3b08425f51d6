using System.Globalization;
using SlurmNative.Credentials.Audit;
using SlurmNative.Credentials.Configuration;

namespace SlurmNative.Cli;

/// <summary>
/// Key creation and rotation happen in the CLI, not the daemon: they go to the same audit
/// trail the daemon writes (slurmnative.conf's audit), with the new key's id and never its bytes.
/// </summary>
internal static class KeyAudit
{
    public static void Record(SlurmNativeConfig config, string action, string keyId, int? reencrypted)
    {
        AuditTrail audit;
        try
        {
            audit = new AuditTrail(config.Audit.Open(), message => Console.Error.WriteLine($"slurmnative: warning: {message}"));
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            Console.Error.WriteLine($"slurmnative: warning: the audit trail ({config.Audit}) cannot be opened, so this {action} is not audited: {e.Message}");
            return;
        }
        using (audit)
        {
            string uid = Interop.Libc.geteuid().ToString(CultureInfo.InvariantCulture);
            if (reencrypted is int moved)
                audit.Record(action, "ok", new("uid", uid), new("file", config.KeyFile), new("key_id", keyId), new("reencrypted", moved.ToString(CultureInfo.InvariantCulture)));
            else
                audit.Record(action, "ok", new("uid", uid), new("file", config.KeyFile), new("key_id", keyId));
        }
    }
}
