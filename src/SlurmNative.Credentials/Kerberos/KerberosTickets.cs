using SlurmNative.Credentials.Accounts;

namespace SlurmNative.Credentials.Kerberos;

/// <summary>
/// The ticket as SlurmNative moves it: one krb5_creds in MIT's ccache encoding
/// (krb5_marshal_credentials), read from and written to ccaches by libkrb5, so every
/// ccache type, krb5.conf and auth_to_local rule the site uses applies.
/// A libkrb5 context is not thread-safe; each call makes its own.
/// </summary>
internal static class KerberosTickets
{
    /// <summary>
    /// The ticket-granting ticket of the user's ccache (<paramref name="ccacheName"/>, else
    /// KRB5CCNAME, else krb5.conf's default), for upload.
    /// </summary>
    /// <exception cref="KerberosUserException">no ccache, no TGT, or an expired one: the message says to run kinit.</exception>
    internal static byte[] ReadTicketGrantingTicket(string? ccacheName = null, TimeProvider? clock = null)
    {
        using var context = SafeKrb5ContextHandle.Create();
        SafeKrb5CcacheHandle cache;
        List<SafeKrb5CredsHandle> all;
        try
        {
            cache = ccacheName is null ? SafeKrb5CcacheHandle.Default(context) : SafeKrb5CcacheHandle.Resolve(context, ccacheName);
        }
        catch (Krb5Exception e)
        {
            throw new KerberosUserException($"cannot open the credential cache {ccacheName ?? "(default)"}: {e.LibraryMessage}; run kinit", e);
        }
        using (cache)
        {
            try
            {
                all = cache.GetAllCredentials();
            }
            catch (Krb5Exception e)
            {
                throw new KerberosUserException($"no Kerberos ticket in {SafeName(cache)}: {e.LibraryMessage}; run kinit", e);
            }
        }
        try
        {
            SafeKrb5CredsHandle? tgt = null;
            foreach (SafeKrb5CredsHandle creds in all)
            {
                // Config entries (krb5_ccache_conf_data) and service tickets are not what jobs need.
                if (creds.IsTicketGrantingTicket && !creds.ServerName.Contains("@X-CACHECONF:", StringComparison.Ordinal) && creds.ClientRealm == RealmOf(creds.ServerName))
                {
                    if (tgt is null || creds.EndTime > tgt.EndTime)
                        tgt = creds;
                }
            }
            if (tgt is null)
                throw new KerberosUserException("no ticket-granting ticket in your credential cache; run kinit");
            DateTimeOffset now = (clock ?? TimeProvider.System).GetUtcNow();
            if (tgt.EndTime <= now)
                throw new KerberosUserException($"your Kerberos ticket for {tgt.ClientName} expired at {UtcText.Readable(tgt.EndTime)}; run kinit");
            return tgt.Marshal();
        }
        finally
        {
            foreach (SafeKrb5CredsHandle creds in all)
                creds.Dispose();
        }
    }

    /// <summary>Reads a credential's principals, times and flags, and maps its client to a local uid.</summary>
    /// <exception cref="FormatException">the bytes are not one credential.</exception>
    internal static TicketFacts Describe(byte[] credential)
    {
        using var context = SafeKrb5ContextHandle.Create();
        SafeKrb5CredsHandle creds;
        try
        {
            creds = SafeKrb5CredsHandle.Unmarshal(context, credential);
        }
        catch (Krb5Exception e)
        {
            throw new FormatException(e.LibraryMessage, e);
        }
        using (creds)
        {
            uint? localUid = null;
            using (SafeKrb5PrincipalHandle client = creds.GetClient())
            {
                string? localName = null;
                try
                {
                    localName = client.ToLocalName();
                }
                catch (Krb5Exception)
                {
                    // No auth_to_local mapping for this principal: it maps to nobody.
                }
                if (localName is not null)
                    localUid = UserDatabase.PasswdByName(localName)?.Uid;
            }
            return new TicketFacts(new TicketTimes(creds.ClientName, creds.StartTime, creds.EndTime, creds.RenewTill),
                creds.ServerName, localUid, unchecked((uint)creds.TicketFlags), creds.IsTicketGrantingTicket, !creds.IsAddressless);
        }
    }

    /// <summary>Renews a TGT against the KDC (krb5_get_renewed_creds) and returns the renewed credential.</summary>
    /// <exception cref="Krb5Exception">the KDC refused or could not be reached; <see cref="IsUnreachable"/> tells which.</exception>
    internal static byte[] Renew(byte[] credential)
    {
        using var context = SafeKrb5ContextHandle.Create();
        using var creds = SafeKrb5CredsHandle.Unmarshal(context, credential);
        using SafeKrb5PrincipalHandle client = creds.GetClient();
        // A private MEMORY cache: the renewal never touches a file anyone else can see.
        var cache = SafeKrb5CcacheHandle.NewUnique(context, "MEMORY");
        try
        {
            cache.Initialize(client);
            cache.Store(creds);
            using var renewed = KerberosRenewal.Renew(context, client, cache);
            return renewed.Marshal();
        }
        finally
        {
            cache.Destroy();
        }
    }

    /// <summary>Writes the credential into a ccache libkrb5 names (any type), replacing what it held.</summary>
    /// <returns>The cache's full name.</returns>
    internal static string WriteToCache(byte[] credential, string ccacheName)
    {
        using var context = SafeKrb5ContextHandle.Create();
        using var creds = SafeKrb5CredsHandle.Unmarshal(context, credential);
        using SafeKrb5PrincipalHandle client = creds.GetClient();
        using var cache = SafeKrb5CcacheHandle.Resolve(context, ccacheName);
        cache.Initialize(client);
        cache.Store(creds);
        return cache.FullName;
    }

    /// <summary>
    /// Renews the TGT in a ccache against the KDC when less than <paramref name="threshold"/>
    /// of its life is left, and stores the renewed ticket back.
    /// </summary>
    /// <returns>When the ticket in the cache now ends.</returns>
    internal static DateTimeOffset RenewCacheInPlace(string? ccacheName, TimeSpan threshold)
    {
        byte[] current = ReadTicketGrantingTicket(ccacheName);
        TicketFacts facts = Describe(current);
        if (facts.End - DateTimeOffset.UtcNow > threshold)
            return facts.End;
        if (!facts.IsRenewable || facts.RenewTill <= DateTimeOffset.UtcNow)
            throw new KerberosUserException($"the ticket of {facts.ClientPrincipal} cannot be renewed past {UtcText.Readable(facts.RenewTill)}; run kinit");
        byte[] renewed;
        try
        {
            renewed = Renew(current);
        }
        catch (Krb5Exception e)
        {
            throw new KerberosUserException($"the KDC did not renew the ticket of {facts.ClientPrincipal}: {e.LibraryMessage}", e);
        }
        using var context = SafeKrb5ContextHandle.Create();
        using var cache = ccacheName is null ? SafeKrb5CcacheHandle.Default(context) : SafeKrb5CcacheHandle.Resolve(context, ccacheName);
        using var creds = SafeKrb5CredsHandle.Unmarshal(context, renewed);
        using SafeKrb5PrincipalHandle client = creds.GetClient();
        cache.Initialize(client);
        cache.Store(creds);
        return creds.EndTime;
    }

    /// <summary>True for failures that retrying later may fix: the KDC was down or unreachable.</summary>
    internal static bool IsUnreachable(Krb5Exception e) =>
        // Positive codes are errno values from the network layer (ECONNREFUSED and the like).
        e.ErrorCode == Interop.Krb5.KRB5_KDC_UNREACH || e.ErrorCode > 0;

    private static string RealmOf(string principal)
    {
        int at = principal.LastIndexOf('@');
        return at < 0 ? "" : principal[(at + 1)..];
    }

    private static string SafeName(SafeKrb5CcacheHandle cache)
    {
        try
        {
            return cache.FullName;
        }
        catch (Krb5Exception)
        {
            return "your credential cache";
        }
    }
}
