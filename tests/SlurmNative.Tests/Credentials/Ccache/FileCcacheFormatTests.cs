using SlurmNative.Credentials.Ccache;

namespace SlurmNative.Tests.Credentials.Ccache;

public sealed class FileCcacheFormatTests
{
    [Fact]
    public void Times_read_without_libkrb5_match_what_libkrb5_reads()
    {
        using var context = SafeKrb5ContextHandle.Create();
        using var client = SafeKrb5PrincipalHandle.Parse(context, "alice/admin@SLURMNATIVE.TEST");
        using var server = SafeKrb5PrincipalHandle.Parse(context, "krbtgt/SLURMNATIVE.TEST@SLURMNATIVE.TEST");
        var times = new Interop.Krb5.Krb5TicketTimes { authtime = 1_800_000_000, starttime = 1_800_000_100, endtime = 1_800_036_000, renew_till = 1_800_600_000 };
        using var creds = SafeKrb5CredsHandle.FromParts(context, client, server, times, Interop.Krb5.TKT_FLG_RENEWABLE,
            Interop.Krb5.ENCTYPE_AES256_CTS_HMAC_SHA1_96, new byte[32], [1, 2, 3]);
        byte[] marshalled = creds.Marshal();

        string principal = FileCcacheFormat.ReadTimes(marshalled, out DateTimeOffset start, out DateTimeOffset end, out DateTimeOffset renewTill);

        Assert.Equal(("alice/admin@SLURMNATIVE.TEST", creds.StartTime, creds.EndTime, creds.RenewTill), (principal, start, end, renewTill));
        Assert.Throws<FormatException>(() => FileCcacheFormat.ReadTimes(marshalled.AsSpan(0, 40), out _, out _, out _));
    }
}
