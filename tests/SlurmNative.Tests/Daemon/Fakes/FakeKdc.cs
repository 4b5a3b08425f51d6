using SlurmNative.Daemon.Renewal;

namespace SlurmNative.Tests.Daemon.Fakes;

/// <summary>The KDC as the renewer sees it: each renewal answered by the test's function, counted, and how many overlapped.</summary>
internal sealed class FakeKdc(Func<byte[], byte[]> renew) : ITicketRenewer
{
    private int inFlight;
    public int MaxInFlight;
    public int Calls;

    public byte[] Renew(byte[] ticket)
    {
        Interlocked.Increment(ref Calls);
        int now = Interlocked.Increment(ref inFlight);
        InterlockedMax(ref MaxInFlight, now);
        try
        {
            // Long enough for concurrent renewals to overlap, so MaxInFlight sees them.
            Thread.Sleep(5);
            return renew(ticket);
        }
        finally
        {
            Interlocked.Decrement(ref inFlight);
        }
    }

    private static void InterlockedMax(ref int target, int value)
    {
        int seen;
        while ((seen = Volatile.Read(ref target)) < value && Interlocked.CompareExchange(ref target, value, seen) != seen)
        {
        }
    }
}
