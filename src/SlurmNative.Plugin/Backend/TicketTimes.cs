namespace SlurmNative.Plugin.Backend;

/// <summary>
/// A ticket's client and times, as the plugin reads them without libkrb5. A class, not a record:
/// a record's generated ToString would format the dates and bring .NET's time zone code into the plugin.
/// </summary>
internal sealed class TicketTimes(string principal, DateTimeOffset start, DateTimeOffset end, DateTimeOffset renewTill)
{
    public string Principal { get; } = principal;
    public DateTimeOffset Start { get; } = start;
    public DateTimeOffset End { get; } = end;
    public DateTimeOffset RenewTill { get; } = renewTill;

    /// <summary>Renewable means renewable past its end, as <see cref="Credentials.Kerberos.TicketFacts.IsRenewable"/> has it.</summary>
    public bool IsRenewable => RenewTill > End;
}
