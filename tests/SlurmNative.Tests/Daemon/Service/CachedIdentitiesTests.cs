using System.Net;
using SlurmNative.Daemon.Acl;
using SlurmNative.Daemon.Service;
using SlurmNative.Tests.TestSupport;

namespace SlurmNative.Tests.Daemon.Service;

public class CachedIdentitiesTests
{
    /// <summary>A name service whose answer for uid 1001 changes with every lookup (the group list grows).</summary>
    private sealed class CountingResolver : IIdentityResolver
    {
        public int Lookups { get; private set; }

        public Caller Resolve(uint uid, uint gid, IPAddress? address)
        {
            Lookups++;
            return new Caller(uid, gid, "alice", new HashSet<string> { $"generation{Lookups}" }, address);
        }
    }

    private static readonly IPAddress First = IPAddress.Parse("10.0.0.1");
    private static readonly IPAddress Second = IPAddress.Parse("10.0.0.2");

    [Fact]
    public void Repeated_callers_are_looked_up_once_per_lifetime_and_keep_their_own_address()
    {
        var names = new CountingResolver();
        var clock = new ManualTime(DateTimeOffset.UnixEpoch);
        var cached = new CachedIdentities(names, TimeSpan.FromSeconds(10), clock);

        Caller first = cached.Resolve(1001, 1001, First);
        clock.Advance(TimeSpan.FromSeconds(9));
        Caller again = cached.Resolve(1001, 1001, Second);

        Assert.Equal(1, names.Lookups);
        Assert.Equal(First, first.Address);
        Assert.Equal(Second, again.Address);
        Assert.Equal(first.Groups, again.Groups);
    }

    [Fact]
    public void A_change_in_the_name_service_shows_once_the_lifetime_is_over()
    {
        var names = new CountingResolver();
        var clock = new ManualTime(DateTimeOffset.UnixEpoch);
        var cached = new CachedIdentities(names, TimeSpan.FromSeconds(10), clock);

        cached.Resolve(1001, 1001, null);
        clock.Advance(TimeSpan.FromSeconds(10));
        Caller later = cached.Resolve(1001, 1001, null);

        Assert.Equal(2, names.Lookups);
        Assert.Contains("generation2", later.Groups);
    }

    [Fact]
    public void The_primary_gid_is_part_of_the_key()
    {
        var names = new CountingResolver();
        var cached = new CachedIdentities(names, TimeSpan.FromSeconds(10), new ManualTime(DateTimeOffset.UnixEpoch));

        cached.Resolve(1001, 1001, null);
        Caller otherGroup = cached.Resolve(1001, 2000, null);

        Assert.Equal(2, names.Lookups);
        Assert.Equal(2000u, otherGroup.Gid);
    }
}
