using SlurmNative.Credentials.Client;
using SlurmNative.Credentials.Kerberos;
using SlurmNative.Credentials.Protocol;
using SlurmNative.Plugin.Backend;

namespace SlurmNative.Tests.Plugin.Fakes;

/// <summary>The daemon and libkrb5 as the plugin sees them, scripted by each test; every exchange recorded.</summary>
internal sealed class FakeBackend : ICredentialBackend
{
    public byte[]? UserTicket { get; set; }
    public Exception? DaemonFailure { get; set; }
    public List<byte[]> Uploaded { get; } = [];
    public Func<byte[]>? Stored { get; set; }
    public Func<byte[], byte[]>? Kdc { get; set; }
    public int KdcCalls { get; private set; }

    public byte[] ReadUserTicket() => UserTicket ?? throw new KerberosUserException("no ticket-granting ticket in your credential cache; run kinit");
    public ManualResetEventSlim? UploadGate { get; set; }
    public int UploadThread { get; private set; }
    public void Upload(byte[] ticket)
    {
        UploadThread = Environment.CurrentManagedThreadId;
        UploadGate?.Wait(TimeSpan.FromSeconds(10));
        if (DaemonFailure is not null)
            throw DaemonFailure;
        Uploaded.Add(ticket);
    }
    // Every exchange with the "daemon", signed early or not, and the thread it ran on.
    public List<(uint Uid, int Thread)> Fetches { get; } = [];
    public List<(uint Uid, int Thread)> SignedEarly { get; } = [];
    public ManualResetEventSlim? FetchGate { get; set; }
    // Per exchange, when set: lets a test fail the early fetch only.
    public Queue<Exception>? FetchFailures { get; set; }
    public byte[] Fetch(uint uid, uint jobId)
    {
        lock (Fetches)
            Fetches.Add((uid, Environment.CurrentManagedThreadId));
        FetchGate?.Wait(TimeSpan.FromSeconds(10));
        if (FetchFailures is { Count: > 0 } failures)
            throw failures.Dequeue();
        return DaemonFailure is not null ? throw DaemonFailure : Stored?.Invoke() ?? throw new DaemonException(ReplyStatus.NotFound, "nothing stored");
    }
    public Func<byte[]> SignFetch(uint uid, uint jobId)
    {
        SignedEarly.Add((uid, Environment.CurrentManagedThreadId));
        return () => Fetch(uid, jobId);
    }
    public byte[] RenewAtKdc(byte[] ticket)
    {
        KdcCalls++;
        return Kdc!(ticket);
    }
    public TicketTimes Describe(byte[] ticket)
    {
        return KerberosTickets.Describe(ticket).Times;
    }
}
