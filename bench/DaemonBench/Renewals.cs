using System.Diagnostics;
using SlurmNative.Credentials.Kerberos;
using SlurmNative.Daemon.Service;

namespace SlurmNative.Bench;

/// <summary>
/// TGT renewals against the KDC through the daemon's renewer code (a libkrb5 context,
/// a MEMORY ccache and krb5_get_renewed_creds per renewal), from as many threads as the
/// renewer's default concurrency. Each thread renews the ticket its last renewal returned.
/// </summary>
internal static class Renewals
{
    public static int Run(Options options)
    {
        byte[] first = KerberosTickets.ReadTicketGrantingTicket("FILE:" + options.Text("ccache"));
        int threadCount = options.Number("threads");
        var duration = TimeSpan.FromSeconds(options.Number("seconds"));
        var kdc = new LibKrb5TicketService();
        if (!kdc.Inspect(first).IsRenewable)
            throw new ArgumentException($"the ticket in {options.Text("ccache")} is not renewable: kinit -r");

        int renewed = 0, failed = 0;
        string? lastError = null;
        long end = Stopwatch.GetTimestamp() + (long)(duration.TotalSeconds * Stopwatch.Frequency);
        var threads = Enumerable.Range(0, threadCount).Select(_ => new Thread(() =>
        {
            byte[] ticket = first;
            while (Stopwatch.GetTimestamp() < end)
            {
                try
                {
                    ticket = kdc.Renew(ticket);
                    Interlocked.Increment(ref renewed);
                }
                catch (Exception e)
                {
                    Interlocked.Increment(ref failed);
                    lastError = e.Message;
                }
            }
        })).ToArray();
        var clock = Stopwatch.StartNew();
        foreach (Thread t in threads)
            t.Start();
        foreach (Thread t in threads)
            t.Join();
        if (lastError is not null)
            Console.Error.WriteLine($"daemon-bench: {failed} renewals failed, last: {lastError}");
        Program.Result(("renewed", renewed), ("rate", renewed / clock.Elapsed.TotalSeconds), ("errors", failed));
        return 0;
    }
}
