namespace SlurmNative.Daemon.Renewal;

/// <summary>Asks the KDC to renew one TGT (libkrb5 in production).</summary>
public interface ITicketRenewer
{
    /// <returns>The renewed credential, same encoding as uploaded.</returns>
    /// <exception cref="RenewalRefusedException">the KDC said no; retrying will not help.</exception>
    /// <exception cref="Exception">anything else is treated as transient (KDC unreachable) and retried next pass.</exception>
    byte[] Renew(byte[] ticket);
}
