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
