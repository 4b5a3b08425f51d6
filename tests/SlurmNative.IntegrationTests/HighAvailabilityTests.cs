using System.Collections.Concurrent;
using System.Diagnostics;
using System.Text.RegularExpressions;
using Npgsql;
using SlurmNative.Credentials.Client;
using SlurmNative.Credentials.Kerberos;
using SlurmNative.Credentials.Protocol;
using SlurmNative.Store.Keys;
using SlurmNative.Daemon.Service;
using SlurmNative.Store;
using SlurmNative.Tests.TestSupport;
using Xunit.Abstractions;
using SlurmNative.Store.Postgres;

namespace SlurmNative.IntegrationTests;

/// <summary>
/// Two daemons sharing one real PostgreSQL, as a site runs them for high availability: any
/// daemon answers any request, one renewer renews each ticket, and clients move to the other
/// daemon when one is killed, cut off, or loses its database, within the client timeout.
/// </summary>
[Collection(TestbedCollection.Name)]
public sealed class HighAvailabilityTests(Testbed testbed, ITestOutputHelper output)
{
    private const string Realm = "SLURMNATIVE.TEST";
    private static readonly TimeSpan ClientTimeout = TimeSpan.FromSeconds(1);

    /// <summary>One fetch as a job start makes it: a new connection and credential, as root, through the failover client.</summary>
    private sealed record JobStart(long Finished, TimeSpan Took, string? Error);

    /// <summary>
    /// Job starts from <paramref name="threads"/> threads: for <paramref name="before"/>, then while
    /// <paramref name="disrupt"/> runs, then for <paramref name="after"/> once it returned.
    /// </summary>
    private static List<JobStart> JobStarts(DaemonClient client, uint uid, TimeSpan before, Action disrupt, TimeSpan after, int threads = 8)
    {
        var outcomes = new ConcurrentBag<JobStart>();
        bool stop = false;
        var workers = Enumerable.Range(0, threads).Select(_ => new Thread(() =>
        {
            while (!Volatile.Read(ref stop))
            {
                var clock = Stopwatch.StartNew();
                try
                {
                    client.Call(Request.Create(Operation.Get, uid));
                    outcomes.Add(new JobStart(Stopwatch.GetTimestamp(), clock.Elapsed, null));
                }
                catch (Exception e) when (e is DaemonException or DaemonUnreachableException or IOException)
                {
                    outcomes.Add(new JobStart(Stopwatch.GetTimestamp(), clock.Elapsed, e.Message));
                }
            }
        })).ToList();
        workers.ForEach(t => t.Start());
        Thread.Sleep(before);
        disrupt();
        Thread.Sleep(after);
        Volatile.Write(ref stop, true);
        workers.ForEach(t => t.Join());
        return [.. outcomes.OrderBy(s => s.Finished)];
    }

    private void Report(string what, List<JobStart> starts)
    {
        var took = starts.Select(s => s.Took.TotalMilliseconds).Order().ToArray();
        output.WriteLine($"{what}: {starts.Count} job starts, {starts.Count(s => s.Error is not null)} failed, p50 {took[took.Length / 2]:F1} ms, max {took[^1]:F1} ms");
        foreach (var failure in starts.Where(s => s.Error is not null).Take(3))
            output.WriteLine($"  {failure.Error}");
    }

    private static void AssertEveryJobStartedInTime(List<JobStart> starts)
    {
        Assert.All(starts, s => Assert.Null(s.Error));
        TimeSpan slowest = starts.Max(s => s.Took);
        Assert.True(slowest <= ClientTimeout + TimeSpan.FromMilliseconds(100), $"a job start waited {slowest.TotalMilliseconds:F0} ms, more than client_timeout + 100 ms");
    }

    [Fact]
    public void A_ticket_uploaded_through_one_daemon_is_fetched_through_the_other_at_once()
    {
        using var daemons = new SharedStoreDaemons(testbed);
        testbed.Kinit("alice");

        testbed.RunAs("alice", CredentialDaemon.Cli, "--config", daemons.ConfigOf(1), "add").EnsureSuccess("alice adds through daemon 1");
        string cache = Path.Combine(testbed.Directory, "fetched-through-2");
        Command.Run(CredentialDaemon.Cli, ["--config", daemons.ConfigOf(2), "get", "--user", "alice", "-c", "FILE:" + cache]).EnsureSuccess("root gets through daemon 2");

        Assert.Contains($"Default principal: alice@{Realm}", testbed.Klist(cache).Stdout);
        Assert.Contains("stored credential of uid", daemons.LogOf(1));
        Assert.DoesNotContain("stored credential of uid", daemons.LogOf(2));
    }

    [Fact]
    public async Task Kill_9_of_one_daemon_during_a_thousand_concurrent_uploads_loses_nothing_it_acknowledged()
    {
        using var daemons = new SharedStoreDaemons(testbed);
        string[] users = ["alice", "bob", "carol"];
        var clock = Stopwatch.StartNew();
        // Thirty tickets per user, taken in turn: a user's upload almost always replaces a
        // different ticket, so nearly every one of the thousand is a real write.
        var distinct = Enumerable.Range(0, 90).AsParallel().AsOrdered().WithDegreeOfParallelism(4)
            .Select(i => (User: users[i % 3], Ticket: testbed.FreshTicket(users[i % 3]))).ToArray();
        var tickets = Enumerable.Range(0, 1000).Select(i => distinct[i % distinct.Length]).ToArray();
        output.WriteLine($"{distinct.Length} tickets from the KDC in {clock.ElapsedMilliseconds} ms");
        var uids = users.ToDictionary(u => u, testbed.UidOf);
        var sent = users.ToDictionary(u => u, _ => new ConcurrentBag<byte[]>());
        var acknowledgedByFirst = new ConcurrentBag<(string User, byte[] Ticket)>();
        var failed = new ConcurrentBag<string>();
        int acks = 0, inFlightAtTheKill = 0;
        // Uploads go to daemon 1 first, as listed; once it is dead, to daemon 2.
        DaemonClient client = daemons.RootClient(TimeSpan.FromSeconds(5));
        DaemonClient firstOnly = daemons.RootClient(TimeSpan.FromSeconds(5), servers: [daemons.Servers[0]]);
        var queue = new ConcurrentQueue<(string User, byte[] Ticket)>(tickets);
        bool crashed = false;
        var uploaders = Enumerable.Range(0, 64).Select(n => new Thread(() =>
        {
            while (queue.TryDequeue(out var item))
            {
                sent[item.User].Add(item.Ticket);
                try
                {
                    // Half the uploaders talk to daemon 1 alone, so what it acknowledged before it died is known.
                    if (n % 2 == 0 && !Volatile.Read(ref crashed))
                    {
                        firstOnly.Call(Request.Create(Operation.Add, uids[item.User], item.Ticket));
                        acknowledgedByFirst.Add(item);
                    }
                    else
                    {
                        client.Call(Request.Create(Operation.Add, uids[item.User], item.Ticket));
                    }
                    Interlocked.Increment(ref acks);
                }
                catch (Exception e) when (e is DaemonUnreachableException or DaemonException or IOException)
                {
                    // Sent to daemon 1 alone just before it died: not acknowledged, so not promised.
                    if (n % 2 == 0)
                        Interlocked.Increment(ref inFlightAtTheKill);
                    else
                        failed.Add(e.Message);
                }
            }
        })).ToList();
        uploaders.ForEach(t => t.Start());
        while (Volatile.Read(ref acks) < 300)
            await Task.Delay(5);
        daemons.Kill(1);
        Volatile.Write(ref crashed, true);
        output.WriteLine($"daemon 1 killed after {acks} acknowledged uploads");
        uploaders.ForEach(t => t.Join());

        // Every upload through the failover client was acknowledged, by one daemon or the other;
        // through the survivor, each user's stored ticket is one of their uploads.
        Assert.Empty(failed);
        Assert.NotEmpty(acknowledgedByFirst);
        using NpgsqlConnection database = daemons.Database();
        foreach (string user in users)
        {
            string cache = Path.Combine(testbed.Directory, "after-kill-" + user);
            Command.Run(CredentialDaemon.Cli, ["--config", daemons.ConfigOf(2), "get", "--user", user, "-c", "FILE:" + cache]).EnsureSuccess($"get {user} through daemon 2");
            byte[] survivor = KerberosTickets.ReadTicketGrantingTicket("FILE:" + cache);
            Assert.Contains(sent[user], t => t.AsSpan().SequenceEqual(survivor));
        }
        Assert.Equal(3L, (long)new NpgsqlCommand("SELECT COUNT(*) FROM credentials", database).ExecuteScalar()!);
        Assert.Equal(1000, acks + inFlightAtTheKill);
        Assert.InRange(inFlightAtTheKill, 0, 32);
    }

    [Fact]
    public async Task Two_renewers_renew_each_of_two_thousand_tickets_once_per_cycle_and_a_killed_one_leaves_none_behind()
    {
        const int count = 2000;
        const uint firstUid = 3_000_000;
        // Tickets live 45 s and are renewed when less than 30 s is left: a cycle every 15 s, longer
        // than the 2,000 renewals take, so no ticket comes due twice within one.
        using var daemons = new SharedStoreDaemons(testbed, "renew_threshold=30s", "renew_interval=1s");
        string ccache = Path.Combine(testbed.Directory, "renewal-source");
        Command.Run("/bin/sh", ["-c", "printf '%s\\n' \"$1\" | KRB5_CONFIG=\"$2\" kinit -l 45s -r 1h -c \"FILE:$3\" alice >/dev/null",
            "sh", testbed.Password("alice"), Path.Combine(testbed.Directory, "etc", "krb5.conf"), ccache]).EnsureSuccess("kinit -l 45s");
        byte[] ticket = KerberosTickets.ReadTicketGrantingTicket("FILE:" + ccache);
        TicketFacts facts = new LibKrb5TicketService().Inspect(ticket);
        long kdcMark = new FileInfo(testbed.KdcLogPath).Length;

        // The tickets go in through the store, under the daemons' keys: there are not 2,000 users.
        Keyring keys = Keyring.Load(Path.Combine(testbed.Directory, "slurmnative", "keys"));
        string store = Credentials.Configuration.SlurmNativeConfig.Load(daemons.ClientConfig).Store.Target;
        using (var writer = PostgresCredentialStore.Open(store, Path.Combine(testbed.Directory, "slurmnative", "store.password"), () => keys))
        {
            for (int start = 0; start < count; start += 200)
            {
                await Task.WhenAll(Enumerable.Range(start, 200).Select(i =>
                    writer.PutAsync(new StoredCredential(firstUid + (uint)i, $"alice@{Realm}", facts.Start, facts.End, facts.RenewTill, facts.Flags, ticket))));
            }
        }
        using NpgsqlConnection database = daemons.Database();
        Dictionary<long, long> Ends()
        {
            using var command = new NpgsqlCommand("SELECT uid, \"end\" FROM credentials", database);
            using var reader = command.ExecuteReader();
            var ends = new Dictionary<long, long>();
            while (reader.Read())
                ends[reader.GetInt64(0)] = reader.GetInt64(1);
            return ends;
        }
        // Waits until every row's end has moved past what <paramref name="after"/> says for it.
        Dictionary<long, long> RenewedPast(Dictionary<long, long> after, TimeSpan timeout)
        {
            var deadline = DateTime.UtcNow + timeout;
            Dictionary<long, long> now;
            while ((now = Ends()).Count(e => e.Value > after[e.Key]) < count && DateTime.UtcNow < deadline)
                Thread.Sleep(200);
            return now;
        }
        int RenewalsLogged()
        {
            Thread.Sleep(300); // the KDC writes its line as it answers
            using var stream = new FileStream(testbed.KdcLogPath, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
            stream.Seek(kdcMark, SeekOrigin.Begin);
            return new StreamReader(stream).ReadToEnd().Split('\n').Count(line => line.Contains("TGS_REQ", StringComparison.Ordinal)
                && line.Contains($"alice@{Realm} for krbtgt/{Realm}@{Realm}", StringComparison.Ordinal));
        }

        var original = Ends();
        Assert.Equal(count, original.Count);
        var first = RenewedPast(original, TimeSpan.FromSeconds(45));
        int firstCycle = RenewalsLogged();
        output.WriteLine($"first cycle: {first.Count(e => e.Value > original[e.Key])} renewed, {firstCycle} TGS requests in the KDC's log");
        Assert.Equal(count, first.Count(e => e.Value > original[e.Key]));
        Assert.Equal(count, firstCycle);
        static int Renewed(string log) => Regex.Matches(log, @"renewal pass: \d+ due, (\d+) renewed").Sum(m => int.Parse(m.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture));
        int byFirst = Renewed(daemons.LogOf(1)), bySecond = Renewed(daemons.LogOf(2));
        output.WriteLine($"daemon 1 renewed {byFirst}, daemon 2 renewed {bySecond}");
        Assert.Equal(count, byFirst + bySecond);
        Assert.True(byFirst > 0 && bySecond > 0, "both renewers should have shared the work");

        // Second cycle: daemon 1 is killed as it begins; daemon 2 takes up whatever daemon 1 held.
        var clock = Stopwatch.StartNew();
        while (Ends().Count(e => e.Value > first[e.Key]) == 0 && clock.Elapsed < TimeSpan.FromSeconds(30))
            Thread.Sleep(50);
        daemons.Kill(1);
        var second = RenewedPast(first, TimeSpan.FromSeconds(25));
        int total = RenewalsLogged();
        output.WriteLine($"second cycle: {second.Count(e => e.Value > first[e.Key])} renewed; {total - firstCycle} TGS requests; daemon 1 killed {clock.ElapsedMilliseconds} ms into it");
        Assert.Equal(count, second.Count(e => e.Value > first[e.Key]));
        // Only what daemon 1 had sent to the KDC when it died can have been renewed twice.
        Assert.InRange(total - firstCycle, count, count + 64);
    }

    [Fact]
    public void Kill_9_of_the_first_daemon_during_job_starts_fails_none_and_delays_none_past_the_timeout()
    {
        using var daemons = new SharedStoreDaemons(testbed);
        testbed.Kinit("alice");
        testbed.RunAs("alice", CredentialDaemon.Cli, "--config", daemons.ClientConfig, "add").EnsureSuccess("alice add");

        var starts = JobStarts(daemons.RootClient(ClientTimeout), testbed.UidOf("alice"), TimeSpan.FromSeconds(2), () => daemons.Kill(1), TimeSpan.FromSeconds(3));

        Report("daemon 1 killed", starts);
        AssertEveryJobStartedInTime(starts);
        Assert.True(starts.Count > 100, $"only {starts.Count} job starts ran");
    }

    [Fact]
    public void A_daemon_cut_off_the_network_during_job_starts_fails_none_and_delays_none_past_the_timeout()
    {
        testbed.RestartWithNodes(2);
        try
        {
            // The job starts below come from the host, not from a node running a job of alice's, so
            // they would be refused under node_fetch = job_bound; the real job's fetch is checked too.
            using var daemons = new SharedStoreDaemons(testbed, "client_timeout=1s", "node_fetch=any");
            // Each daemon in a node's network namespace: every request crosses the bridge.
            Assert.Equal(["10.231.0.11:61850", "10.231.0.12:61850"], daemons.Servers);
            testbed.Kinit("alice");
            testbed.RunAs("alice", CredentialDaemon.Cli, "--config", daemons.ClientConfig, "add").EnsureSuccess("alice add");
            testbed.UsePlugstackLine($"required {testbed.PluginPath} default=on config={daemons.ClientConfig}");
            CommandResult? job = null;

            List<JobStart> starts;
            try
            {
                starts = JobStarts(daemons.RootClient(ClientTimeout), testbed.UidOf("alice"), TimeSpan.FromSeconds(2), () =>
                {
                    // Packets to and from node 1 are dropped, not refused: the first daemon goes silent.
                    testbed.Partition("node1", cut: true);
                    // A real job meanwhile: srun uploads, node 2's slurmstepd fetches, each past the silent daemon.
                    job = testbed.RunAs("alice", "srun", "-N1", "-w", "node2", "sh", "-c", "klist -s && echo valid");
                }, TimeSpan.FromSeconds(2));
            }
            finally
            {
                testbed.Partition("node1", cut: false);
            }

            Report("daemon 1 cut off", starts);
            AssertEveryJobStartedInTime(starts);
            Assert.True(starts.Count(s => s.Took > TimeSpan.FromMilliseconds(400)) > 0, "no job start met the silent daemon");
            Assert.NotNull(job);
            output.WriteLine(job.Output);
            Assert.Equal(0, job.ExitCode);
            Assert.Contains("valid", job.Stdout);
        }
        finally
        {
            testbed.RestartWithNodes(1);
        }
    }

    [Fact]
    public void PostgreSQL_restarting_gets_a_clear_store_unavailable_never_a_hang_and_the_daemons_reconnect_by_themselves()
    {
        using var daemons = new SharedStoreDaemons(testbed);
        testbed.Kinit("alice");
        testbed.RunAs("alice", CredentialDaemon.Cli, "--config", daemons.ClientConfig, "add").EnsureSuccess("alice add");
        CommandResult? addDuringOutage = null;

        var starts = JobStarts(daemons.RootClient(ClientTimeout, Credentials.Configuration.ServerOrder.Random), testbed.UidOf("alice"), TimeSpan.FromSeconds(1), () =>
        {
            var restart = Task.Run(() => testbed.RestartPostgres(crash: true, down: 3));
            Thread.Sleep(1500);
            addDuringOutage = testbed.RunAs("alice", CredentialDaemon.Cli, "--config", daemons.ClientConfig, "add");
            restart.Wait();
        }, TimeSpan.FromSeconds(2));

        Report("PostgreSQL down 3 s", starts);
        var failures = starts.Where(s => s.Error is not null).ToList();
        Assert.NotEmpty(failures);
        Assert.All(failures, f => Assert.Contains("store unavailable", f.Error!, StringComparison.Ordinal));
        TimeSpan slowest = starts.Max(s => s.Took);
        Assert.True(slowest <= ClientTimeout + TimeSpan.FromMilliseconds(100), $"a request waited {slowest.TotalMilliseconds:F0} ms");
        // After the restart, without being told: the job starts of the last second all succeeded.
        long lastSecond = starts[^1].Finished - Stopwatch.Frequency;
        Assert.All(starts.Where(s => s.Finished > lastSecond), s => Assert.Null(s.Error));
        testbed.RunAs("root", CredentialDaemon.Cli, "--config", daemons.ConfigOf(1), "get", "--user", "alice", "-c", "MEMORY:x").EnsureSuccess("get through daemon 1 after the restart");
        testbed.RunAs("root", CredentialDaemon.Cli, "--config", daemons.ConfigOf(2), "get", "--user", "alice", "-c", "MEMORY:x").EnsureSuccess("get through daemon 2 after the restart");

        Assert.NotNull(addDuringOutage);
        Assert.Equal(3, addDuringOutage.ExitCode);
        Assert.Contains("store unavailable", addDuringOutage.Stderr, StringComparison.Ordinal);
        Assert.Contains("store unavailable", daemons.LogOf(1) + daemons.LogOf(2), StringComparison.Ordinal);
    }

    [Fact]
    public void A_daemon_whose_first_key_is_not_the_stores_refuses_to_start_and_check_validates_the_store()
    {
        using var daemons = new SharedStoreDaemons(testbed);
        testbed.Kinit("alice");
        testbed.RunAs("alice", CredentialDaemon.Cli, "--config", daemons.ClientConfig, "add").EnsureSuccess("alice add");
        string daemon = CredentialDaemon.BuiltProgram("SlurmNative.Daemon", "slurmnatived");
        // --check binds the daemon's port too: free it.
        daemons.Stop();

        CommandResult check = Command.Run(daemon, ["--config", daemons.ConfigOf(1), "--check"]);
        Assert.Equal(0, check.ExitCode);
        Assert.Contains("store: PostgreSQL database slurmnative on 127.0.0.1:", check.Stderr);
        Assert.Contains("1 credentials, sealed with", check.Stderr);

        // Another host's key file: a new first key that nothing in the store is sealed with.
        string keys = Path.Combine(testbed.Directory, "slurmnative", "keys");
        string otherKeys = Path.Combine(testbed.Directory, "slurmnative", "other-keys");
        File.Copy(keys, otherKeys, overwrite: true);
        Keyring.AddNewFirstKey(otherKeys);
        string config = Path.Combine(testbed.Directory, "slurmnative", "other-keys.conf");
        File.WriteAllText(config, File.ReadAllText(daemons.ConfigOf(1)).Replace($"key_file = {keys}\n", $"key_file = {otherKeys}\n", StringComparison.Ordinal));

        CommandResult refused = Command.Run(daemon, ["--config", config, "--check"]);

        Assert.Equal(2, refused.ExitCode);
        Assert.Contains("this daemon's first key is", refused.Stderr);
        Assert.Contains("every daemon sharing a store needs the same key file", refused.Stderr);
    }
}
