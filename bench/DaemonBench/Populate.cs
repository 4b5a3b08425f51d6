using System.Diagnostics;
using SlurmNative.Credentials.Kerberos;
using SlurmNative.Store.Keys;
using SlurmNative.Daemon.Service;
using SlurmNative.Store;
using SlurmNative.Store.Sqlite;

namespace SlurmNative.Bench;

/// <summary>
/// Fills the daemon's database through the daemon's own store (same schema, same
/// AES-256-GCM sealing under the daemon's key file, same group-committed writes):
/// one real TGT's bytes stored under COUNT synthetic UIDs, because a test machine
/// cannot hold 100,000 Unix users and their KDC principals.
/// </summary>
internal static class Populate
{
    // Enough writes queued that every commit carries a full batch.
    private const int InFlight = 4096;

    public static async Task<int> RunAsync(Options options)
    {
        byte[] ticket = KerberosTickets.ReadTicketGrantingTicket("FILE:" + options.Text("ccache"));
        TicketFacts facts = new LibKrb5TicketService().Inspect(ticket);
        string realm = facts.ClientPrincipal[(facts.ClientPrincipal.LastIndexOf('@') + 1)..];
        int count = options.Number("count");
        uint firstUid = (uint)options.Number("first-uid");
        Keyring keyring = Keyring.Load(options.Text("key-file"));

        var clock = Stopwatch.StartNew();
        using (var store = SqliteCredentialStore.Open(options.Text("database"), keyring))
        {
            var pending = new List<Task>(InFlight);
            for (int i = 0; i < count; i++)
            {
                uint uid = firstUid + (uint)i;
                pending.Add(store.PutAsync(new StoredCredential(uid, $"bench{uid}@{realm}", facts.Start, facts.End, facts.RenewTill, facts.Flags, ticket)));
                if (pending.Count == InFlight)
                {
                    await Task.WhenAll(pending).ConfigureAwait(false);
                    pending.Clear();
                }
            }
            await Task.WhenAll(pending).ConfigureAwait(false);
        }
        Program.Result(("stored", count), ("seconds", clock.Elapsed.TotalSeconds), ("ticket_bytes", ticket.Length),
            ("database_mb", new FileInfo(options.Text("database")).Length / 1048576.0));
        return 0;
    }
}
