using System.Globalization;
using SlurmNative.Credentials;
using SlurmNative.Credentials.Kerberos;

namespace SlurmNative.Plugin.Submit;

/// <summary>
/// At submission: whether the ticket can last as long as the job. A ticket reaches its renew-till (its
/// end, if it cannot be renewed); past that no renewal helps and the job loses its Kerberized files.
/// </summary>
internal static class TicketLifeCheck
{
    /// <summary>
    /// What to tell the user, and whether to refuse: below <paramref name="minimumLife"/> (min_ticket_life)
    /// the submission is refused; short of the job's <paramref name="timeLimit"/> the user is warned.
    /// Null when all is well.
    /// </summary>
    public static (string Message, bool Refuse)? Judge(TicketTimes ticket, TimeSpan? timeLimit, TimeSpan? minimumLife, DateTimeOffset now)
    {
        DateTimeOffset reach = ticket.IsRenewable ? ticket.RenewTill : ticket.End;
        TimeSpan left = reach - now;
        if (minimumLife is { } minimum && left < minimum)
        {
            return ($"the Kerberos ticket of {ticket.Principal} lasts only until {UtcText.Readable(reach)}, and this site asks for {Readable(minimum)} (min_ticket_life); " +
                $"run kinit -r {KinitDuration(minimum)} and submit again", true);
        }
        if (timeLimit is { } limit && left < limit)
        {
            return ($"the Kerberos ticket of {ticket.Principal} lasts only until {UtcText.Readable(reach)}, but the job may run for {Readable(limit)}; " +
                $"for a ticket that lasts the whole job, run kinit -r {KinitDuration(limit)} before submitting (or give the job less --time)", false);
        }
        return null;
    }

    private static string Readable(TimeSpan span) =>
        span.TotalDays >= 1 ? Count(span.TotalDays, "day")
        : span.TotalHours >= 1 ? Count(span.TotalHours, "hour")
        : Count(Math.Ceiling(span.TotalMinutes), "minute");

    private static string Count(double value, string unit)
    {
        string number = value.ToString("0.#", CultureInfo.InvariantCulture);
        return number == "1" ? $"1 {unit}" : $"{number} {unit}s";
    }

    /// <summary>kinit's duration form, rounded up to a whole hour (or minute): 2h, 3d, 45m.</summary>
    private static string KinitDuration(TimeSpan span) =>
        span.TotalHours >= 1
            ? string.Create(CultureInfo.InvariantCulture, $"{Math.Ceiling(span.TotalHours):0}h")
            : string.Create(CultureInfo.InvariantCulture, $"{Math.Ceiling(span.TotalMinutes):0}m");
}
