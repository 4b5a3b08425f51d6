using SlurmNative.Credentials.Kerberos;
using SlurmNative.Daemon.Renewal;

namespace SlurmNative.Daemon.Service;

/// <summary>The daemon's ticket inspector and renewer, both done by libkrb5 through <see cref="KerberosTickets"/>.</summary>
public sealed class LibKrb5TicketService : ITicketInspector, ITicketRenewer
{
    public TicketFacts Inspect(byte[] ticket) => KerberosTickets.Describe(ticket);

    public byte[] Renew(byte[] ticket)
    {
        try
        {
            return KerberosTickets.Renew(ticket);
        }
        catch (Krb5Exception e) when (!KerberosTickets.IsUnreachable(e))
        {
            throw new RenewalRefusedException(e.LibraryMessage);
        }
    }
}
