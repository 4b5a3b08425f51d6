namespace SlurmNative.Tests.Plugin.Fakes;

internal static class TestTickets
{
    /// <summary>A real credential in krb5_marshal_credentials encoding, made without a KDC.</summary>
    public static byte[] Make(TimeSpan life, TimeSpan? renewable = null, string client = "alice@SLURMNATIVE.TEST", TimeSpan? startedAgo = null)
    {
        using var context = SafeKrb5ContextHandle.Create();
        using var principal = SafeKrb5PrincipalHandle.Parse(context, client);
        using var server = SafeKrb5PrincipalHandle.Parse(context, "krbtgt/SLURMNATIVE.TEST@SLURMNATIVE.TEST");
        int now = Interop.Krb5.ToTimestamp(DateTimeOffset.UtcNow);
        int start = now - (int)(startedAgo ?? TimeSpan.Zero).TotalSeconds;
        var times = new Interop.Krb5.Krb5TicketTimes
        {
            authtime = start,
            starttime = start,
            endtime = start + (int)life.TotalSeconds,
            renew_till = start + (int)(renewable ?? life).TotalSeconds,
        };
        int flags = Interop.Krb5.TKT_FLG_FORWARDABLE | Interop.Krb5.TKT_FLG_INITIAL | (renewable is null ? 0 : Interop.Krb5.TKT_FLG_RENEWABLE);
        using var creds = SafeKrb5CredsHandle.FromParts(context, principal, server, times, flags,
            Interop.Krb5.ENCTYPE_AES256_CTS_HMAC_SHA1_96, new byte[32], [0x61, 0x03, 0x02, 0x01, 0x05]);
        return creds.Marshal();
    }
}
