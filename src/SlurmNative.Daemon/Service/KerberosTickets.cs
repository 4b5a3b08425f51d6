using SlurmNative.Credentials.Kerberos;
using SlurmNative.Daemon.Renewal;

namespace SlurmNative.Daemon.Service;

/// <summary>The daemon's view of libkrb5: inspect uploads, renew stored TGTs.</summary>
public sealed class KerberosTickets : ITicketInspector, ITicketRenewer
{
    public TicketFacts Inspect(byte[] ticket) => KerberosCredentials.Describe(ticket);

    public byte[] Renew(byte[] ticket)
    {
        try
        {
            return KerberosCredentials.Renew(ticket);
        }
        catch (Krb5Exception e) when (!KerberosCredentials.IsUnreachable(e))
        {
            throw new RenewalRefusedException(e.LibraryMessage);
        }
    }
}
