namespace SlurmNative.Credentials.Kerberos;

/// <summary>What SlurmNative needs to know of one ticket; never its key or ticket bytes.</summary>
public sealed record TicketFacts(
    TicketTimes Times,
    string ServerPrincipal,
    uint? LocalUid,
    uint Flags,
    bool IsTicketGrantingTicket,
    bool HasAddresses)
{
    public string ClientPrincipal => Times.Principal;
    public DateTimeOffset Start => Times.Start;
    public DateTimeOffset End => Times.End;
    public DateTimeOffset RenewTill => Times.RenewTill;
    public bool IsRenewable => Times.IsRenewable;
}
