namespace SlurmNative.Credentials.Kerberos;

/// <summary>
/// A ticket's client and times, and so whether it is renewable: the one definition both the plugin
/// and the daemon use. A class, not a record: a record's generated ToString would format the dates
/// and bring .NET's time zone code into the NativeAOT plugin.
/// </summary>
public sealed class TicketTimes(string principal, DateTimeOffset start, DateTimeOffset end, DateTimeOffset renewTill)
{
    public string Principal { get; } = principal;
    public DateTimeOffset Start { get; } = start;
    public DateTimeOffset End { get; } = end;
    public DateTimeOffset RenewTill { get; } = renewTill;

    /// <summary>Renewable means renewable past its end; the KDC's renewable flag alone does not say for how long.</summary>
    public bool IsRenewable => RenewTill > End;
}
