namespace SlurmNative.Tests.Bindings;

/// <summary>libkrb5 through the bindings, with MEMORY ccaches and hand-made credentials: no KDC needed.</summary>
public sealed class Krb5BindingTests
{
    private const string Client = "alice@SLURMNATIVE.TEST";
    private const string Tgs = "krbtgt/SLURMNATIVE.TEST@SLURMNATIVE.TEST";

    // Current, so that krb5_get_credentials(KRB5_GC_CACHED) accepts the ticket as unexpired.
    private static readonly int Now = Interop.Krb5.ToTimestamp(DateTimeOffset.UtcNow);

    private static readonly Interop.Krb5.Krb5TicketTimes Times = new()
    {
        authtime = Now - 60,
        starttime = Now - 50,
        endtime = Now + 36_000,
        renew_till = Now + 604_800,
    };

    private const int Flags = Interop.Krb5.TKT_FLG_FORWARDABLE | Interop.Krb5.TKT_FLG_RENEWABLE | Interop.Krb5.TKT_FLG_INITIAL;

    private static readonly byte[] Key = [.. Enumerable.Range(1, 32).Select(i => (byte)i)];
    private static readonly byte[] TicketBytes = [0x61, 0x82, 0x01, 0x00, 0xde, 0xad, 0xbe, 0xef, 0x00, 0x42];

    private static SafeKrb5CredsHandle MakeTgt(SafeKrb5ContextHandle context)
    {
        using var client = SafeKrb5PrincipalHandle.Parse(context, Client);
        using var server = SafeKrb5PrincipalHandle.Parse(context, Tgs);
        return SafeKrb5CredsHandle.FromParts(context, client, server, Times, Flags,
            Interop.Krb5.ENCTYPE_AES256_CTS_HMAC_SHA1_96, Key, TicketBytes);
    }

    private static void AssertIsTheTgt(SafeKrb5CredsHandle creds)
    {
        Assert.Equal(Client, creds.ClientName);
        Assert.Equal(Tgs, creds.ServerName);
        Assert.Equal("SLURMNATIVE.TEST", creds.ClientRealm);
        Assert.True(creds.IsTicketGrantingTicket);
        Assert.Equal(Times, creds.Times);
        Assert.Equal(DateTimeOffset.FromUnixTimeSeconds(Now + 36_000L), creds.EndTime);
        Assert.Equal(DateTimeOffset.FromUnixTimeSeconds(Now + 604_800L), creds.RenewTill);
        Assert.Equal(DateTimeOffset.FromUnixTimeSeconds(Now - 50L), creds.StartTime);
        Assert.Equal(Flags, creds.TicketFlags);
        Assert.True(creds.IsAddressless);
        Assert.Equal(Interop.Krb5.ENCTYPE_AES256_CTS_HMAC_SHA1_96, creds.KeyEnctype);
        Assert.Equal(TicketBytes, creds.Ticket);
    }

    private static string MemoryCacheName() => $"MEMORY:slurmnative-test-{Guid.NewGuid():N}";

    [Fact]
    public void ContextIsCreatedAndFreed()
    {
        var context = SafeKrb5ContextHandle.Create();
        Assert.False(context.IsInvalid);
        Assert.InRange(context.Now, DateTimeOffset.UtcNow.AddMinutes(-1), DateTimeOffset.UtcNow.AddMinutes(1));
        Assert.False(string.IsNullOrEmpty(context.DefaultCcacheName));
        context.Dispose();
        Assert.True(context.IsClosed);

        using var secure = SafeKrb5ContextHandle.CreateSecure();
        Assert.False(secure.IsInvalid);
    }

    [Fact]
    public void MemoryCacheStoresAndIteratesAHandMadeCredential()
    {
        using var context = SafeKrb5ContextHandle.Create();
        string name = MemoryCacheName();
        using var cache = SafeKrb5CcacheHandle.Resolve(context, name);
        using var client = SafeKrb5PrincipalHandle.Parse(context, Client);
        cache.Initialize(client);
        using (SafeKrb5CredsHandle tgt = MakeTgt(context))
            cache.Store(tgt);

        Assert.Equal("MEMORY", cache.Type);
        Assert.Equal(name, cache.FullName);
        using (SafeKrb5PrincipalHandle principal = cache.GetPrincipal())
        {
            Assert.Equal(Client, principal.Name);
            Assert.Equal("SLURMNATIVE.TEST", principal.Realm);
            Assert.True(principal.NameEquals(client));
        }

        List<SafeKrb5CredsHandle> all = cache.GetAllCredentials();
        try
        {
            SafeKrb5CredsHandle only = Assert.Single(all);
            AssertIsTheTgt(only);
            using SafeKrb5PrincipalHandle copiedClient = only.GetClient();
            Assert.True(copiedClient.NameEquals(client));
        }
        finally
        {
            all.ForEach(c => c.Dispose());
        }
    }

    [Fact]
    public void CachedLookupFindsTheStoredTicketWithoutAKdc()
    {
        using var context = SafeKrb5ContextHandle.Create();
        using var cache = SafeKrb5CcacheHandle.Resolve(context, MemoryCacheName());
        using var client = SafeKrb5PrincipalHandle.Parse(context, Client);
        using var server = SafeKrb5PrincipalHandle.Parse(context, Tgs);
        cache.Initialize(client);
        using (SafeKrb5CredsHandle tgt = MakeTgt(context))
            cache.Store(tgt);

        // KRB5_GC_CACHED: krb5_get_credentials answers from the cache, no TGS exchange.
        using SafeKrb5CredsHandle found = cache.GetCredentials(server, Interop.Krb5.KRB5_GC_CACHED);
        AssertIsTheTgt(found);

        using var other = SafeKrb5PrincipalHandle.Parse(context, "host/node1@SLURMNATIVE.TEST");
        var missing = Assert.Throws<Krb5Exception>(() => cache.GetCredentials(other, Interop.Krb5.KRB5_GC_CACHED));
        Assert.Equal(Interop.Krb5.KRB5_CC_NOTFOUND, missing.ErrorCode);
    }

    [Fact]
    public void NewUniqueCacheIsDestroyed()
    {
        using var context = SafeKrb5ContextHandle.Create();
        var cache = SafeKrb5CcacheHandle.NewUnique(context, "MEMORY");
        string name = cache.FullName;
        using (var client = SafeKrb5PrincipalHandle.Parse(context, Client))
            cache.Initialize(client);
        cache.Destroy();
        Assert.True(cache.IsClosed);

        using var again = SafeKrb5CcacheHandle.Resolve(context, name);
        var error = Assert.Throws<Krb5Exception>(() => again.GetPrincipal().Dispose());
        Assert.NotEqual(0, error.ErrorCode);
    }

    [Fact]
    public void MarshalledCredentialRoundTrips()
    {
        using var context = SafeKrb5ContextHandle.Create();
        using SafeKrb5CredsHandle tgt = MakeTgt(context);
        byte[] serialized = tgt.Marshal();
        Assert.NotEmpty(serialized);

        using SafeKrb5CredsHandle back = SafeKrb5CredsHandle.Unmarshal(context, serialized);
        AssertIsTheTgt(back);
        Assert.Equal(serialized, back.Marshal());

        // Into a fresh cache, as the node side does.
        using var cache = SafeKrb5CcacheHandle.NewUnique(context, "MEMORY");
        using (SafeKrb5PrincipalHandle client = back.GetClient())
            cache.Initialize(client);
        cache.Store(back);
        List<SafeKrb5CredsHandle> all = cache.GetAllCredentials();
        AssertIsTheTgt(Assert.Single(all));
        all.ForEach(c => c.Dispose());
    }

    [Fact]
    public void UnmarshallingGarbageThrows()
    {
        using var context = SafeKrb5ContextHandle.Create();
        Assert.Throws<Krb5Exception>(() => SafeKrb5CredsHandle.Unmarshal(context, [1, 2, 3]).Dispose());
        Assert.Throws<Krb5Exception>(() => SafeKrb5CredsHandle.Unmarshal(context, []).Dispose());
    }

    [Fact]
    public void ExceptionCarriesTheLibraryMessage()
    {
        using var context = SafeKrb5ContextHandle.Create();
        var error = Assert.Throws<Krb5Exception>(() => SafeKrb5CcacheHandle.Resolve(context, "NOSUCHTYPE:whatever").Dispose());
        Assert.Equal(Interop.Krb5.KRB5_CC_UNKNOWN_TYPE, error.ErrorCode);
        Assert.Contains("Unknown credential cache type", error.LibraryMessage, StringComparison.OrdinalIgnoreCase);
        Assert.Contains(error.LibraryMessage, error.Message);
        Assert.Contains("NOSUCHTYPE", error.Message);

        var malformed = Assert.Throws<Krb5Exception>(() => SafeKrb5PrincipalHandle.Parse(context, "alice@A@B").Dispose());
        Assert.Equal(Interop.Krb5.KRB5_PARSE_MALFORMED, malformed.ErrorCode);
        Assert.Contains("Malformed", malformed.LibraryMessage, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public void PrincipalMapsToALocalNameOnlyInTheDefaultRealm()
    {
        using var context = SafeKrb5ContextHandle.Create();
        // No realm: krb5_parse_name appends the default realm, where the default auth_to_local rule applies.
        using var local = SafeKrb5PrincipalHandle.Parse(context, "root");
        Assert.Equal("root", local.ToLocalName());

        using var foreign = SafeKrb5PrincipalHandle.Parse(context, "root@SOME.OTHER.REALM.INVALID");
        Assert.Null(foreign.ToLocalName());
    }

    [Fact]
    public void PrincipalOutlivesItsContextReference()
    {
        // The principal keeps the context alive: disposing the context first must not free it under the principal.
        var context = SafeKrb5ContextHandle.Create();
        var principal = SafeKrb5PrincipalHandle.Parse(context, Client);
        context.Dispose();
        Assert.Equal(Client, principal.Name);
        principal.Dispose();
    }

    [Fact]
    public void InitialCredentialOptionsAreAllocatedAndSet()
    {
        using var context = SafeKrb5ContextHandle.Create();
        using var options = SafeKrb5InitCredsOptionsHandle.Create(context);
        options.SetForwardable(true);
        options.SetProxiable(false);
        options.SetAddressless();
        options.SetTicketLife(TimeSpan.FromHours(10));
        options.SetRenewLife(TimeSpan.FromDays(7));
        Assert.False(options.IsInvalid);
    }

    [Fact]
    public void K5CryptoEncryptsAndDecryptsWithoutAContextAndRejectsTampering()
    {
        byte[] key = [.. Enumerable.Range(100, 32).Select(i => (byte)i)];
        byte[] plaintext = "reply plaintext"u8.ToArray();
        const int Usage = 1024;

        byte[] ciphertext = Interop.Krb5.Encrypt(Interop.Krb5.ENCTYPE_AES256_CTS_HMAC_SHA384_192, key, Usage, plaintext);

        Assert.Equal(16 + plaintext.Length + 24, ciphertext.Length);
        Assert.True(Interop.Krb5.TryDecrypt(Interop.Krb5.ENCTYPE_AES256_CTS_HMAC_SHA384_192, key, Usage, ciphertext, out byte[] opened));
        Assert.Equal(plaintext, opened);
        Assert.False(Interop.Krb5.TryDecrypt(Interop.Krb5.ENCTYPE_AES256_CTS_HMAC_SHA384_192, key, Usage + 2, ciphertext, out _));
        ciphertext[^1] ^= 0x80;
        Assert.False(Interop.Krb5.TryDecrypt(Interop.Krb5.ENCTYPE_AES256_CTS_HMAC_SHA384_192, key, Usage, ciphertext, out opened));
        Assert.Empty(opened);
        var error = Assert.Throws<Krb5Exception>(() => Interop.Krb5.Encrypt(9999, key, Usage, plaintext));
        Assert.Contains("krb5_c_encrypt", error.Message, StringComparison.Ordinal);
    }
}
