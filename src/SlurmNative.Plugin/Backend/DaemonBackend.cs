using SlurmNative.Credentials.Ccache;
using SlurmNative.Credentials.Client;
using SlurmNative.Credentials.Configuration;
using SlurmNative.Credentials.Kerberos;
using SlurmNative.Credentials.Protocol;

namespace SlurmNative.Plugin.Backend;

/// <summary>The real thing: libkrb5 for tickets, MUNGE-signed requests to the configured daemons.</summary>
internal sealed class DaemonBackend(SlurmNativeConfig config) : ICredentialBackend
{
    private readonly DaemonClient client = DaemonClient.ForConfig(config);

    // The file reader first: srun then maps libkrb5 only for caches it cannot read itself.
    public byte[] ReadUserTicket() =>
        UserFileCcache.TryReadTicketGrantingTicket(Interop.Libc.GetEnvironmentVariable, Interop.Libc.getuid(), DateTimeOffset.UtcNow)
        ?? KerberosTickets.ReadTicketGrantingTicket();

    // Blocking calls, each bounded by the client's per-server timeout.
    public void Upload(byte[] ticket) => client.Call(Request.Create(Operation.Add, blob: ticket));

    public byte[] Fetch(uint uid, uint jobId) => SignFetch(uid, jobId)();

    public Func<byte[]> SignFetch(uint uid, uint jobId) => client.Sign(Request.Fetch(uid, jobId)).Call;

    public byte[] RenewAtKdc(byte[] ticket) => KerberosTickets.Renew(ticket);

    // Read without libkrb5: slurmstepd then maps libkrb5 only if it must renew at the KDC itself.
    public TicketTimes Describe(byte[] ticket)
    {
        string client = Credentials.Ccache.FileCcacheFormat.ReadTimes(ticket, out DateTimeOffset start, out DateTimeOffset end, out DateTimeOffset renewTill);
        return new TicketTimes(client, start, end, renewTill);
    }
}
