namespace SlurmNative.Credentials.Kerberos;

/// <summary>What SlurmNative needs to know of one credential; never its key or ticket bytes.</summary>
public sealed record TicketFacts(
    string ClientPrincipal,
    string ServerPrincipal,
    uint? LocalUid,
    DateTimeOffset Start,
    DateTimeOffset End,
    DateTimeOffset RenewTill,
    uint Flags,
    bool IsTicketGrantingTicket,
    bool HasAddresses)
{
    public bool IsRenewable => RenewTill > End;
}

/// <summary>A problem with the user's own Kerberos state, phrased as what the user should do.</summary>
public sealed class KerberosUserException(string message, Exception? inner = null) : Exception(message, inner);
