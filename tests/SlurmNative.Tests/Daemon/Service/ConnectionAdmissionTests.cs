using SlurmNative.Daemon.Service;
using SlurmNative.Tests.Daemon.Fakes;
using SlurmNative.Tests.TestSupport;

namespace SlurmNative.Tests.Daemon.Service;

public class ConnectionAdmissionTests
{
    private static (ConnectionAdmission.Slot? Slot, CancellationTokenSource Evict) Admit(ConnectionAdmission admission, string host, bool hasUnread = false)
    {
        var evict = new CancellationTokenSource();
        return (admission.TryAdmit(host, evict, () => hasUnread), evict);
    }

    [Fact]
    public void A_host_at_its_limit_loses_its_oldest_waiting_connection_and_other_hosts_lose_nothing()
    {
        var admission = new ConnectionAdmission(maxConnections: 100, maxWaitingPerHost: 3, new RecordingDaemonLog());
        var other = Admit(admission, "10.0.0.2");
        var flood = Enumerable.Range(0, 3).Select(_ => Admit(admission, "10.0.0.1")).ToList();

        var newcomer = Admit(admission, "10.0.0.1");

        Assert.NotNull(newcomer.Slot);
        Assert.True(flood[0].Evict.IsCancellationRequested);
        Assert.False(flood[1].Evict.IsCancellationRequested || flood[2].Evict.IsCancellationRequested);
        Assert.False(other.Evict.IsCancellationRequested);
        Assert.Equal(4, admission.Open);
        Assert.False(flood[0].Slot!.RequestArrived(), "a connection closed to make room is not served");
    }

    [Fact]
    public void A_waiting_connection_whose_request_has_arrived_unread_is_passed_over_for_an_idle_one()
    {
        var admission = new ConnectionAdmission(maxConnections: 100, maxWaitingPerHost: 3, new RecordingDaemonLog());
        var delayed = Admit(admission, "10.0.0.1", hasUnread: true);
        var idle = Admit(admission, "10.0.0.1");
        Admit(admission, "10.0.0.1");

        Admit(admission, "10.0.0.1");

        Assert.False(delayed.Evict.IsCancellationRequested);
        Assert.True(idle.Evict.IsCancellationRequested);
    }

    [Fact]
    public void A_connection_whose_request_arrived_is_never_closed_to_make_room()
    {
        var admission = new ConnectionAdmission(maxConnections: 100, maxWaitingPerHost: 2, new RecordingDaemonLog());
        var served = Admit(admission, "10.0.0.1");
        Assert.True(served.Slot!.RequestArrived());

        for (int i = 0; i < 10; i++)
            Admit(admission, "10.0.0.1");

        Assert.False(served.Evict.IsCancellationRequested);
    }

    [Fact]
    public void At_the_global_limit_the_heaviest_hosts_oldest_waiting_connection_makes_room()
    {
        var admission = new ConnectionAdmission(maxConnections: 4, maxWaitingPerHost: 4, new RecordingDaemonLog());
        var light = Admit(admission, "10.0.0.2");
        var heavy = Enumerable.Range(0, 3).Select(_ => Admit(admission, "10.0.0.1")).ToList();

        var newcomer = Admit(admission, "10.0.0.3");

        Assert.NotNull(newcomer.Slot);
        Assert.True(heavy[0].Evict.IsCancellationRequested);
        Assert.False(light.Evict.IsCancellationRequested);
        Assert.Equal(4, admission.Open);
    }

    [Fact]
    public void Only_when_every_connection_is_being_served_is_a_newcomer_turned_away_and_a_closed_one_frees_its_place()
    {
        var admission = new ConnectionAdmission(maxConnections: 2, maxWaitingPerHost: 2, new RecordingDaemonLog());
        var first = Admit(admission, "10.0.0.1");
        var second = Admit(admission, "10.0.0.2");
        Assert.True(first.Slot!.RequestArrived());
        Assert.True(second.Slot!.RequestArrived());

        Assert.Null(Admit(admission, "10.0.0.3").Slot);

        first.Slot.Dispose();
        first.Slot.Dispose(); // twice is once
        Assert.Equal(1, admission.Open);
        Assert.NotNull(Admit(admission, "10.0.0.3").Slot);
    }

    [Fact]
    public void A_flood_is_reported_in_one_warning_per_period_not_one_per_connection()
    {
        var log = new RecordingDaemonLog();
        var clock = new ManualTime(DateTimeOffset.UnixEpoch.AddDays(20000));
        var admission = new ConnectionAdmission(maxConnections: 100, maxWaitingPerHost: 1, log, clock);

        for (int i = 0; i < 1000; i++)
            Admit(admission, "10.0.0.9");
        clock.Advance(TimeSpan.FromSeconds(11));
        Admit(admission, "10.0.0.9");

        string[] warnings = log.Lines.Where(l => l.StartsWith("warning:", StringComparison.Ordinal)).ToArray();
        Assert.Equal(2, warnings.Length);
        Assert.Contains("closed 1 connections", warnings[0]);
        Assert.Contains("closed 999 connections that had sent no request", warnings[1]);
        Assert.Contains("most recently from 10.0.0.9", warnings[1]);
    }
}
