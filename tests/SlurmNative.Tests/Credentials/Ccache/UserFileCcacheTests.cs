using SlurmNative.Credentials.Ccache;
using SlurmNative.Credentials.Kerberos;
using SlurmNative.Tests.TestSupport;

namespace SlurmNative.Tests.Credentials.Ccache;

/// <summary>
/// srun's libkrb5-free reading of a FILE ccache, checked against libkrb5 itself on caches
/// libkrb5 wrote, and its refusals: every case it cannot be sure of must return null so
/// that libkrb5 decides.
/// </summary>
public sealed class UserFileCcacheTests : IDisposable
{
    private const string Realm = "SLURMNATIVE.TEST";
    private readonly TempDirectory scratch = new();

    public void Dispose() => scratch.Dispose();

    /// <summary>A FILE ccache written by libkrb5 with the given (server, lifetime) credentials of alice.</summary>
    private string Cache(string name, params (string Server, TimeSpan Life)[] entries)
    {
        string path = scratch.File(name);
        using var context = SafeKrb5ContextHandle.Create();
        using var cache = SafeKrb5CcacheHandle.Resolve(context, "FILE:" + path);
        using (var alice = SafeKrb5PrincipalHandle.Parse(context, $"alice@{Realm}"))
            cache.Initialize(alice);
        byte ticketByte = 1;
        foreach (var (server, life) in entries)
        {
            using var creds = TestTickets.Create(context, life, client: $"alice@{Realm}", server: server, startedAgo: TimeSpan.FromMinutes(1), ticketTag: ticketByte++);
            cache.Store(creds);
        }
        return path;
    }

    private static Func<string, string?> Environment(params (string Name, string Value)[] variables) =>
        name => variables.FirstOrDefault(v => v.Name == name).Value;

    [Fact]
    public void Picks_the_same_tgt_as_libkrb5_byte_for_byte()
    {
        string path = Cache("krb5cc_mixed",
            ($"host/node1.test@{Realm}", TimeSpan.FromHours(20)),
            ($"krbtgt/{Realm}@{Realm}", TimeSpan.FromHours(2)),
            ("krb5_ccache_conf_data/pa_type@X-CACHECONF:", TimeSpan.FromHours(30)),
            ($"krbtgt/{Realm}@{Realm}", TimeSpan.FromHours(10)),
            ($"nfs/server.test@{Realm}", TimeSpan.FromHours(40)));
        byte[] expected = KerberosTickets.ReadTicketGrantingTicket("FILE:" + path);

        byte[]? withPrefix = UserFileCcache.TryReadTicketGrantingTicket(Environment(("KRB5CCNAME", "FILE:" + path)), 4321, DateTimeOffset.UtcNow);
        byte[]? bare = UserFileCcache.TryReadTicketGrantingTicket(Environment(("KRB5CCNAME", path)), 4321, DateTimeOffset.UtcNow);

        Assert.Equal(expected, withPrefix);
        Assert.Equal(expected, bare);
        Assert.True(FileCcacheFormat.ReadTimes(expected, out _, out DateTimeOffset end, out _) == $"alice@{Realm}");
        Assert.InRange(end - DateTimeOffset.UtcNow, TimeSpan.FromHours(9), TimeSpan.FromHours(10));
    }

    [Fact]
    public void Leaves_to_libkrb5_a_cache_without_a_valid_tgt()
    {
        string expired = Cache("krb5cc_expired", ($"krbtgt/{Realm}@{Realm}", TimeSpan.FromHours(-1)));
        string serviceOnly = Cache("krb5cc_service", ($"host/node1.test@{Realm}", TimeSpan.FromHours(5)));
        string empty = Cache("krb5cc_empty");

        foreach (string path in new[] { expired, serviceOnly, empty, scratch.File("absent") })
            Assert.Null(UserFileCcache.TryReadTicketGrantingTicket(Environment(("KRB5CCNAME", "FILE:" + path)), 4321, DateTimeOffset.UtcNow));
    }

    [Fact]
    public void Leaves_to_libkrb5_files_it_does_not_fully_understand()
    {
        string path = Cache("krb5cc_good", ($"krbtgt/{Realm}@{Realm}", TimeSpan.FromHours(10)));
        byte[] good = File.ReadAllBytes(path);
        byte[] version3 = [.. good];
        version3[1] = 0x03;
        var broken = new Dictionary<string, byte[]>
        {
            ["truncated"] = good[..^7],
            ["version3"] = version3,
            ["garbage"] = [0x05, 0x04, 0xff, 0xff, 0x00],
            ["zero"] = [],
        };

        foreach (var (name, bytes) in broken)
        {
            File.WriteAllBytes(scratch.File(name), bytes);
            Assert.Null(UserFileCcache.TryReadTicketGrantingTicket(Environment(("KRB5CCNAME", "FILE:" + scratch.File(name))), 4321, DateTimeOffset.UtcNow));
        }
    }

    [Theory]
    [InlineData("DIR:/run/user/4321/krb5cc")]
    [InlineData("KEYRING:persistent:4321")]
    [InlineData("KCM:")]
    [InlineData("MEMORY:x")]
    [InlineData("FILE:")]
    [InlineData("FILE:/tmp/krb5cc_%{uid}")]
    public void Other_cache_types_and_unexpanded_names_go_to_libkrb5(string name) =>
        Assert.Null(UserFileCcache.DefaultPath(Environment(("KRB5CCNAME", name)), 4321));

    [Fact]
    public void Without_KRB5CCNAME_the_profile_decides_and_anything_unusual_goes_to_libkrb5()
    {
        string plain = scratch.Write("plain.conf", $"[libdefaults]\n    default_realm = {Realm}\n");
        string file = scratch.Write("file.conf", "[libdefaults]\n    default_ccache_name = FILE:/var/krb5/cc_%{uid}\n[realms]\n");
        string keyring = scratch.Write("keyring.conf", "[libdefaults]\n    default_ccache_name = KEYRING:persistent:%{uid}\n");
        string including = scratch.Write("including.conf", "includedir /etc/krb5.conf.d/\n[libdefaults]\n");
        string twice = scratch.Write("twice.conf", "[libdefaults]\n default_ccache_name = FILE:/a\n default_ccache_name = FILE:/b\n");
        string elsewhere = scratch.Write("elsewhere.conf", "[appdefaults]\n default_ccache_name = FILE:/a\n");
        string token = scratch.Write("token.conf", "[libdefaults]\n default_ccache_name = FILE:%{TEMP}/krb5cc_%{uid}\n");
        string? Default(string config) => UserFileCcache.DefaultPath(Environment(("KRB5_CONFIG", config)), 4321);

        Assert.Equal("/tmp/krb5cc_4321", Default(plain));
        Assert.Equal("/tmp/krb5cc_4321", Default(scratch.File("absent.conf")));
        Assert.Equal("/var/krb5/cc_4321", Default(file));
        Assert.Equal("/var/krb5/cc_4321", Default($"{plain}:{file}:{keyring}"));
        Assert.Null(Default($"{keyring}:{file}"));
        Assert.Null(Default(keyring));
        Assert.Null(Default(including));
        Assert.Null(Default(twice));
        Assert.Null(Default(elsewhere));
        Assert.Null(Default(token));
    }
}
