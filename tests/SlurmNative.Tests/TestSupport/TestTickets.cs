namespace SlurmNative.Tests.TestSupport;

/// <summary>
/// Real credentials made without a KDC: built in memory by libkrb5 from the parts given, they are
/// stored, read and marshalled like issued ones. Their ticket bytes are a stub that only a KDC would notice.
/// </summary>
internal static class TestTickets
{
    public const string Alice = "alice@SLURMNATIVE.TEST";
    public const string TicketGrantingService = "krbtgt/SLURMNATIVE.TEST@SLURMNATIVE.TEST";

    /// <param name="renewable">renewable for this long from its start; null: not renewable.</param>
    /// <param name="startedAgo">how long before now it started.</param>
    /// <param name="ticketTag">the last byte of the stub ticket, to tell credentials apart.</param>
    public static SafeKrb5CredsHandle Create(SafeKrb5ContextHandle context, TimeSpan life, TimeSpan? renewable = null,
        string client = Alice, string server = TicketGrantingService, TimeSpan? startedAgo = null, byte ticketTag = 0x05)
    {
        using var clientName = SafeKrb5PrincipalHandle.Parse(context, client);
        using var serverName = SafeKrb5PrincipalHandle.Parse(context, server);
        int start = Interop.Krb5.ToTimestamp(DateTimeOffset.UtcNow) - (int)(startedAgo ?? TimeSpan.Zero).TotalSeconds;
        var times = new Interop.Krb5.Krb5TicketTimes
        {
            authtime = start,
            starttime = start,
            endtime = start + (int)life.TotalSeconds,
            renew_till = start + (int)(renewable ?? life).TotalSeconds,
        };
        int flags = Interop.Krb5.TKT_FLG_FORWARDABLE | Interop.Krb5.TKT_FLG_INITIAL | (renewable is null ? 0 : Interop.Krb5.TKT_FLG_RENEWABLE);
        return SafeKrb5CredsHandle.FromParts(context, clientName, serverName, times, flags,
            Interop.Krb5.ENCTYPE_AES256_CTS_HMAC_SHA1_96, new byte[32], [0x61, 0x03, 0x02, 0x01, ticketTag]);
    }

    /// <summary>A credential in krb5_marshal_credentials encoding, as the daemon stores it and the plugin receives it.</summary>
    public static byte[] Make(TimeSpan life, TimeSpan? renewable = null, string client = Alice, TimeSpan? startedAgo = null)
    {
        using var context = SafeKrb5ContextHandle.Create();
        using SafeKrb5CredsHandle creds = Create(context, life, renewable, client, startedAgo: startedAgo);
        return creds.Marshal();
    }
}
