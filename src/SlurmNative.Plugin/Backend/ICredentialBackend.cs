using SlurmNative.Credentials.Kerberos;

namespace SlurmNative.Plugin.Backend;

/// <summary>
/// Everything the plugin asks of Kerberos and of the credential daemons. The hooks
/// see only this, so unit tests drive them without a KDC or a daemon.
/// Failures surface as the credential library's exceptions (KerberosUserException,
/// DaemonException, DaemonUnreachableException), whose messages name the fix.
/// </summary>
internal interface ICredentialBackend
{
    /// <summary>The calling user's TGT from their default ccache (KRB5CCNAME honoured).</summary>
    byte[] ReadUserTicket();

    /// <summary>Stores the caller's TGT in the daemon, as the calling uid.</summary>
    void Upload(byte[] ticket);

    /// <summary>
    /// The TGT the daemon holds for <paramref name="uid"/>, for job <paramref name="jobId"/> on this node:
    /// root on a node gets it only while that job of the user runs here.
    /// </summary>
    byte[] Fetch(uint uid, uint jobId);

    /// <summary>
    /// Signs a fetch for <paramref name="uid"/> now, with the caller's current identity, and
    /// returns the exchange with the daemon, to run later (on another thread) like <see cref="Fetch"/>.
    /// </summary>
    Func<byte[]> SignFetch(uint uid, uint jobId);

    /// <summary>Renews a TGT against the KDC, for when no daemon answers.</summary>
    byte[] RenewAtKdc(byte[] ticket);

    /// <summary>Start, end and renew-till of a ticket, and its client principal.</summary>
    TicketTimes Describe(byte[] ticket);
}
