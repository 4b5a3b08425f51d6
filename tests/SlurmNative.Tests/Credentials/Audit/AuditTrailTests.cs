using SlurmNative.Credentials.Audit;

namespace SlurmNative.Tests.Credentials.Audit;

public class AuditTrailTests
{
    [Fact]
    public void A_line_is_action_outcome_then_the_fields_in_order()
    {
        AuditEntry entry = AuditTrail.Format("fetch", "released", [new("uid", "0"), new("target_uid", "1001"), new("source", "10.0.0.7"), new("job", "42")]);

        Assert.Equal("action=fetch outcome=released uid=0 target_uid=1001 source=10.0.0.7 job=42", entry.Line);
        Assert.Equal("fetch", entry.Action);
        Assert.Equal(4, entry.Fields.Count);
    }

    [Theory]
    [InlineData("plain", "plain")]
    [InlineData("", "\"\"")]
    [InlineData("two words", "\"two words\"")]
    [InlineData("say \"hi\"", "\"say \\\"hi\\\"\"")]
    [InlineData("back\\slash", "\"back\\\\slash\"")]
    [InlineData("a=b", "\"a=b\"")]
    [InlineData("line\nbreak", "\"line\\u000abreak\"")]
    [InlineData("tab\there", "\"tab\\u0009here\"")]
    public void Values_are_bare_words_or_quoted_with_escapes(string value, string expected) =>
        Assert.Equal(expected, AuditTrail.Escape(value));

    [Fact]
    public void A_value_cannot_forge_a_second_line_or_another_field()
    {
        AuditEntry entry = AuditTrail.Format("refuse", "refused", [new("reason", "x\naction=fetch outcome=released uid=0"), new("uid", "1001")]);

        Assert.DoesNotContain('\n', entry.Line);
        Assert.Single(System.Text.RegularExpressions.Regex.Matches(entry.Line, "(^| )action="));
        Assert.EndsWith(" uid=1001", entry.Line);
    }

    [Fact]
    public void A_failing_sink_drops_the_line_counts_it_and_warns_once_a_minute()
    {
        var warnings = new List<string>();
        using var audit = new AuditTrail(new FailingSink(), warnings.Add);

        for (int i = 0; i < 5; i++)
            audit.Record("store", "ok", new AuditField("uid", "1"));

        Assert.Equal(5, audit.Dropped);
        Assert.Single(warnings);
        Assert.Contains("could not be written to failing: nobody listens", warnings[0]);
    }

    [Fact]
    public void Off_records_nothing()
    {
        Assert.False(AuditTrail.Off.Enabled);
        AuditTrail.Off.Record("store", "ok");
        Assert.Equal(0, AuditTrail.Off.Dropped);
    }

    [Theory]
    [InlineData("syslog", AuditDestinationKind.Syslog, null)]
    [InlineData("syslog:/run/other.sock", AuditDestinationKind.Syslog, "/run/other.sock")]
    [InlineData("journal", AuditDestinationKind.Journal, null)]
    [InlineData("file:/var/log/slurmnative/audit.log", AuditDestinationKind.File, "/var/log/slurmnative/audit.log")]
    [InlineData("off", AuditDestinationKind.Off, null)]
    public void Destinations_parse(string text, AuditDestinationKind kind, string? path)
    {
        AuditDestination parsed = AuditDestination.Parse(text);
        Assert.Equal(new AuditDestination(kind, path), parsed);
        Assert.Equal(text, parsed.ToString());
    }

    [Theory]
    [InlineData("file")]
    [InlineData("file:relative.log")]
    [InlineData("stderr")]
    [InlineData("off:/x")]
    public void Bad_destinations_say_what_is_accepted(string text)
    {
        var error = Assert.Throws<FormatException>(() => AuditDestination.Parse(text));
        Assert.Matches("syslog, journal, file:|absolute", error.Message);
    }

    private sealed class FailingSink : IAuditSink
    {
        public string Description => "failing";

        public bool TryWrite(AuditEntry entry, out string? failure)
        {
            failure = "nobody listens";
            return false;
        }

        public void Dispose()
        {
        }
    }
}
