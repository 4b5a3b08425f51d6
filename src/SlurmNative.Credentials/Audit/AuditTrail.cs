using System.Globalization;
using System.Text;

namespace SlurmNative.Credentials.Audit;

/// <summary>
/// The one place security-relevant events are written: one line each, to one sink, under the
/// fixed identifier <see cref="Identifier"/> so that an administrator finds every daemon's and
/// gateway's events with one <c>journalctl -t slurmnative-audit</c> or one grep. Callers pass
/// facts (uids, addresses, job ids, reasons); nothing here ever receives a ticket, a key, a
/// password or a session token, and values are escaped so no field can forge another line.
/// A sink that fails does not fail the request it describes: the loss is counted and reported
/// to the ordinary log at most once a minute.
/// </summary>
public sealed class AuditTrail : IDisposable
{
    public const string Identifier = "slurmnative-audit";

    private static readonly TimeSpan ReportEvery = TimeSpan.FromMinutes(1);

    private readonly IAuditSink? sink;
    private readonly Action<string> warn;
    private readonly Lock gate = new();
    private long dropped;
    private long droppedSinceReport;
    private DateTime lastReport = DateTime.MinValue;

    /// <summary>Records nothing: for tests and for <c>audit = off</c>.</summary>
    public static AuditTrail Off { get; } = new(null, _ => { });

    /// <param name="warn">told (rate-limited) when lines could not be delivered.</param>
    public AuditTrail(IAuditSink? sink, Action<string> warn)
    {
        this.sink = sink;
        this.warn = warn;
    }

    public bool Enabled => sink is not null;

    public string Description => sink?.Description ?? "off";

    /// <summary>Lines that could not be delivered since start.</summary>
    public long Dropped => Interlocked.Read(ref dropped);

    /// <param name="action">what was attempted: store, fetch, remove, refuse, key_reload, acl_reload, login, token.</param>
    /// <param name="outcome">how it ended: ok, refused, failed, ...</param>
    public void Record(string action, string outcome, params ReadOnlySpan<AuditField> fields)
    {
        if (sink is null)
            return;
        AuditEntry entry = Format(action, outcome, fields);
        if (!sink.TryWrite(entry, out string? failure))
        {
            Interlocked.Increment(ref dropped);
            ReportLoss(failure ?? "unknown error");
        }
    }

    /// <summary>The entry as the sinks receive it (exposed so the format has its own tests).</summary>
    public static AuditEntry Format(string action, string outcome, ReadOnlySpan<AuditField> fields)
    {
        var line = new StringBuilder(128);
        line.Append("action=").Append(Escape(action)).Append(" outcome=").Append(Escape(outcome));
        var copy = new AuditField[fields.Length];
        for (int i = 0; i < fields.Length; i++)
        {
            copy[i] = fields[i];
            line.Append(' ').Append(fields[i].Key).Append('=').Append(Escape(fields[i].Value));
        }
        return new AuditEntry(action, outcome, copy, line.ToString());
    }

    /// <summary>A bare value when it is one plain word, else a quoted string with \" \\ and control characters escaped.</summary>
    public static string Escape(string value)
    {
        bool plain = value.Length > 0;
        foreach (char c in value)
        {
            if (c <= ' ' || c == '"' || c == '=' || c == '\\' || c == 0x7f || char.IsControl(c))
            {
                plain = false;
                break;
            }
        }
        if (plain)
            return value;
        var quoted = new StringBuilder(value.Length + 8).Append('"');
        foreach (char c in value)
        {
            switch (c)
            {
                case '"': quoted.Append("\\\""); break;
                case '\\': quoted.Append("\\\\"); break;
                default:
                    if (char.IsControl(c))
                        quoted.Append("\\u").Append(((int)c).ToString("x4", CultureInfo.InvariantCulture));
                    else
                        quoted.Append(c);
                    break;
            }
        }
        return quoted.Append('"').ToString();
    }

    private void ReportLoss(string reason)
    {
        long count;
        lock (gate)
        {
            droppedSinceReport++;
            DateTime now = DateTime.UtcNow;
            if (now - lastReport < ReportEvery)
                return;
            count = droppedSinceReport;
            droppedSinceReport = 0;
            lastReport = now;
        }
        warn($"{count} audit lines could not be written to {Description}: {reason}");
    }

    /// <summary>A file sink opens its path again (after logrotate moved it); the others need nothing.</summary>
    public void Reopen()
    {
        if (sink is not FileSink file)
            return;
        try
        {
            file.Reopen();
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            warn($"audit file {file.Path} not reopened, still writing to the old one: {e.Message}");
        }
    }

    public void Dispose() => sink?.Dispose();
}
