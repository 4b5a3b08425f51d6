using SlurmNative.Daemon.Logging;

namespace SlurmNative.Daemon.Service;

/// <summary>
/// Which connections the daemon keeps while they have not yet delivered a request. Until its
/// MUNGE credential is read and decoded, a connection is anybody's, so nothing it does may
/// cost other clients their turn: a host holds at most <c>maxWaitingPerHost</c> such
/// connections, and a new one from a host at its limit closes that host's oldest waiting
/// connection instead of being turned away. A real client sends its whole request as it
/// connects and stops waiting within a millisecond; what lingers (idle or dripping sockets)
/// is what gets closed. A waiting connection whose request has arrived but is not read yet
/// (its thread not scheduled, on a busy host) is passed over for an older one that has nothing.
/// Past <c>maxConnections</c> in all, the heaviest host's oldest waiting connection makes room;
/// only when every connection is already being served is a newcomer told the daemon is busy.
/// </summary>
/// <param name="onEvicted">told of every waiting connection closed to make room (metrics); called under the admission's lock, so it must be quick.</param>
public sealed class ConnectionAdmission(int maxConnections, int maxWaitingPerHost, IDaemonLog log, TimeProvider? clock = null, Action? onEvicted = null)
{
    /// <summary>How far past the oldest waiting connections to look for one with nothing unread: a bound on work under the lock.</summary>
    private const int VictimSearch = 16;

    /// <summary>Evictions and refusals are summed into one warning per this period: a flood must not flood the log too.</summary>
    private static readonly TimeSpan ReportEvery = TimeSpan.FromSeconds(10);

    private readonly TimeProvider time = clock ?? TimeProvider.System;
    private readonly Lock gate = new();
    private readonly Dictionary<string, LinkedList<Slot>> waitingByHost = new(StringComparer.Ordinal);
    private int open;
    private long evicted, refused;
    private DateTimeOffset lastReport = DateTimeOffset.MinValue;
    private string lastHost = "";

    /// <summary>Connections admitted and not yet closed.</summary>
    public int Open
    {
        get
        {
            lock (gate)
                return open;
        }
    }

    /// <summary>
    /// A slot for a new connection from <paramref name="host"/>, waiting for its request; null when
    /// the daemon is busy serving <c>maxConnections</c> requests. <paramref name="evict"/> is cancelled
    /// if the connection is closed to make room while it is still waiting; <paramref name="hasUnread"/>
    /// says whether bytes have reached it that nobody has read yet.
    /// </summary>
    public Slot? TryAdmit(string host, CancellationTokenSource evict, Func<bool> hasUnread)
    {
        Slot? victim = null;
        Slot? admitted = null;
        lock (gate)
        {
            if (waitingByHost.TryGetValue(host, out var ofHost) && ofHost.Count >= maxWaitingPerHost)
                victim = OldestIdle(ofHost);
            else if (open >= maxConnections)
                victim = OldestIdle(HeaviestHost());
            if (victim is not null)
                EvictLocked(victim);
            if (open < maxConnections)
            {
                if (!waitingByHost.TryGetValue(host, out var waiting))
                    waitingByHost[host] = waiting = new LinkedList<Slot>();
                admitted = new Slot(this, host, evict, hasUnread);
                admitted.Node = waiting.AddLast(admitted);
                open++;
            }
            else
            {
                refused++;
            }
            if (victim is not null || admitted is null)
                lastHost = host;
            ReportLocked();
        }
        victim?.Evict.Cancel();
        return admitted;
    }

    private LinkedList<Slot>? HeaviestHost()
    {
        LinkedList<Slot>? heaviest = null;
        foreach (var waiting in waitingByHost.Values)
        {
            if (heaviest is null || waiting.Count > heaviest.Count)
                heaviest = waiting;
        }
        return heaviest;
    }

    /// <summary>The oldest waiting connection that has received nothing unread, among the oldest few; else the oldest.</summary>
    private static Slot? OldestIdle(LinkedList<Slot>? waiting)
    {
        int looked = 0;
        for (var node = waiting?.First; node is not null && looked < VictimSearch; node = node.Next, looked++)
        {
            if (!node.Value.HasUnread())
                return node.Value;
        }
        return waiting?.First?.Value;
    }

    private void EvictLocked(Slot slot)
    {
        LeaveWaitingLocked(slot);
        slot.Closed = true;
        open--;
        evicted++;
        onEvicted?.Invoke();
    }

    private void LeaveWaitingLocked(Slot slot)
    {
        if (slot.Node is null)
            return;
        var waiting = slot.Node.List!;
        waiting.Remove(slot.Node);
        slot.Node = null;
        if (waiting.Count == 0)
            waitingByHost.Remove(slot.Host);
    }

    private void ReportLocked()
    {
        DateTimeOffset now = time.GetUtcNow();
        if ((evicted == 0 && refused == 0) || now - lastReport < ReportEvery)
            return;
        log.Warning($"closed {evicted} connections that had sent no request, to make room (at most {maxWaitingPerHost} waiting per host, {maxConnections} in all), " +
            $"and turned {refused} away as busy, since {(lastReport == DateTimeOffset.MinValue ? "start" : "the last report")}; most recently from {lastHost}");
        evicted = 0;
        refused = 0;
        lastReport = now;
    }

    /// <summary>One admitted connection: waiting until <see cref="RequestArrived"/>, counted until disposed.</summary>
    public sealed class Slot : IDisposable
    {
        private readonly ConnectionAdmission owner;

        internal Slot(ConnectionAdmission owner, string host, CancellationTokenSource evict, Func<bool> hasUnread)
        {
            this.owner = owner;
            Host = host;
            Evict = evict;
            HasUnread = hasUnread;
        }

        internal string Host { get; }
        internal CancellationTokenSource Evict { get; }
        internal Func<bool> HasUnread { get; }
        internal LinkedListNode<Slot>? Node { get; set; }
        internal bool Closed { get; set; }

        /// <summary>
        /// The whole request is here: the connection no longer waits, and is no longer closed to make
        /// room. False if it was closed to make room just before: then it is not served.
        /// </summary>
        public bool RequestArrived()
        {
            lock (owner.gate)
            {
                owner.LeaveWaitingLocked(this);
                return !Closed;
            }
        }

        public void Dispose()
        {
            lock (owner.gate)
            {
                if (Closed)
                    return;
                owner.LeaveWaitingLocked(this);
                Closed = true;
                owner.open--;
            }
        }
    }
}
