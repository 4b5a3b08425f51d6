using Xunit.Abstractions;
using System.Text.Json;
using SlurmNative.Credentials.Client;
using SlurmNative.Credentials.Kerberos;
using SlurmNative.Credentials.Protocol;
using SlurmNative.Tests.TestSupport;

namespace SlurmNative.IntegrationTests;

/// <summary>slurmnatived and the slurmnative CLI against the testbed's real munged and krb5kdc.</summary>
[Collection(TestbedCollection.Name)]
public sealed class CredentialDaemonTests(Testbed testbed, ITestOutputHelper output)
{
    private static string Principal(string user) => $"{user}@SLURMNATIVE.TEST";

    private static JsonElement[] ListAsRoot(CredentialDaemon daemon) =>
        JsonDocument.Parse(Command.Run(CredentialDaemon.Cli, ["--config", daemon.ConfigPath, "list", "--json"]).EnsureSuccess("list").Stdout)
            .RootElement.EnumerateArray().ToArray();

    private static DateTimeOffset EndOf(CredentialDaemon daemon, uint uid) =>
        ListAsRoot(daemon).Single(e => e.GetProperty("uid").GetUInt32() == uid).GetProperty("end").GetDateTimeOffset();

    [Fact]
    public void Alice_stores_and_gets_her_ticket_bob_cannot_touch_it_and_root_can_fetch_it()
    {
        using var daemon = new CredentialDaemon(testbed, "acl");
        testbed.Kinit("alice");

        Assert.Equal(0, daemon.CliAs("alice", "add").EnsureSuccess("alice add").ExitCode);
        daemon.CliAs("alice", "get", "-c", "MEMORY:mine").EnsureSuccess("alice get");

        foreach (string[] attempt in new[] { new[] { "get", "--user", "alice", "-c", "MEMORY:stolen" }, ["list", "--user", "alice"], ["remove", "--user", "alice"] })
        {
            CommandResult bob = daemon.CliAs("bob", attempt);
            Assert.Equal(1, bob.ExitCode);
            Assert.Contains($"uid {testbed.UidOf("bob")} with roles 'user' may not {attempt[0]}", bob.Stderr);
        }
        Assert.Equal(3, daemon.Log.Split('\n').Count(l => l.StartsWith($"<4>slurmnatived[0] refused uid {testbed.UidOf("bob")} (bob)", StringComparison.Ordinal)));

        string cache = Path.Combine(daemon.Directory, "root-fetched");
        Command.Run(CredentialDaemon.Cli, ["--config", daemon.ConfigPath, "get", "--user", "alice", "-c", "FILE:" + cache]).EnsureSuccess("root get");
        CommandResult klist = testbed.Klist(cache);
        Assert.Contains($"Default principal: {Principal("alice")}", klist.Stdout);
        Assert.Contains("krbtgt/SLURMNATIVE.TEST@SLURMNATIVE.TEST", klist.Stdout);
    }

    [Fact]
    public void Ping_tells_bob_the_daemon_is_up_and_nothing_about_what_it_holds()
    {
        using var daemon = new CredentialDaemon(testbed, "ping");
        testbed.Kinit("alice");
        daemon.CliAs("alice", "add").EnsureSuccess("alice add");

        string toBob = daemon.CliAs("bob", "ping").EnsureSuccess("bob ping").Stdout;
        string toRoot = Command.Run(CredentialDaemon.Cli, ["--config", daemon.ConfigPath, "ping"]).EnsureSuccess("root ping").Stdout;

        Assert.Contains("slurmnatived is up", toBob);
        Assert.DoesNotContain("credentials", toBob);
        Assert.Contains("1 credentials stored", toRoot);
    }

    [Fact]
    public void A_daemon_started_under_nohup_still_reloads_its_acl_on_sighup()
    {
        using var daemon = new CredentialDaemon(testbed, "nohup", acl: "admin uid=0\n", hangupIgnored: true);
        testbed.Kinit("alice");
        CommandResult refused = daemon.CliAs("alice", "add");
        Assert.Equal(1, refused.ExitCode);
        Assert.Contains("may not add", refused.Stderr);

        File.WriteAllText(Path.Combine(daemon.Directory, "acl.conf"), "admin uid=0\nuser *\n");
        daemon.Reload();
        DateTime deadline = DateTime.UtcNow.AddSeconds(10);
        CommandResult add;
        while ((add = daemon.CliAs("alice", "add")).ExitCode != 0)
        {
            Assert.True(DateTime.UtcNow < deadline, $"alice is still refused 10 s after SIGHUP ({add.Stderr.Trim()}); the daemon's log:\n{daemon.Log}");
            Thread.Sleep(200);
        }
        Assert.Single(ListAsRoot(daemon));
        Assert.Contains($"loaded 2 ACL rules from {daemon.Directory}/acl.conf", daemon.Log);
    }

    [Fact]
    public void Alice_cannot_upload_a_ticket_whose_principal_is_bob()
    {
        using var daemon = new CredentialDaemon(testbed, "impersonation");
        string bobsCache = Path.Combine(daemon.Directory, "bob-ticket-held-by-alice");
        testbed.KinitInto("bob", bobsCache, owner: "alice");

        CommandResult add = daemon.CliAs("alice", "add", "-c", "FILE:" + bobsCache);

        Assert.Equal(1, add.ExitCode);
        Assert.Contains($"principal {Principal("bob")} maps to uid {testbed.UidOf("bob")}, not to uid {testbed.UidOf("alice")}", add.Stderr);
        Assert.Empty(ListAsRoot(daemon));
    }

    [Fact]
    public async Task A_replayed_munge_credential_is_refused()
    {
        using var daemon = new CredentialDaemon(testbed, "replay");
        var request = Request.Create(Operation.Ping);
        byte[] frame = Frame.Encode(FrameKind.Request, daemon.RootSigner().Sign(request.Encode()));

        var first = await daemon.SendRawAsync(frame, request);
        var replay = await daemon.SendRawAsync(frame, request);

        Assert.Equal((FrameKind.SealedReply, ReplyStatus.Ok), (first.Kind, first.Reply.Status));
        Assert.Equal((FrameKind.PlainReply, ReplyStatus.Unauthenticated), (replay.Kind, replay.Reply.Status));
        Assert.Contains("replayed", replay.Reply.Message, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public async Task An_expired_munge_credential_is_refused()
    {
        using var daemon = new CredentialDaemon(testbed, "expiry");
        var request = Request.Create(Operation.Ping);
        byte[] frame = Frame.Encode(FrameKind.Request, daemon.RootSigner(timeToLive: 1).Sign(request.Encode()));
        await Task.Delay(TimeSpan.FromSeconds(3));

        var answer = await daemon.SendRawAsync(frame, request);

        Assert.Equal(ReplyStatus.Unauthenticated, answer.Reply.Status);
        Assert.Contains("expired", answer.Reply.Message, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public async Task A_request_any_uid_could_decode_is_refused_unanswered_and_the_client_is_told_why()
    {
        using var daemon = new CredentialDaemon(testbed, "unrestricted");
        var request = Request.Create(Operation.Ping);
        var readableByAnyone = new MungeSigner(daemonUid: unchecked((uint)-1), daemon.MungeSocket); // MUNGE_UID_ANY
        byte[] frame = Frame.Encode(FrameKind.Request, readableByAnyone.Sign(request.Encode()));

        var answer = await daemon.SendRawAsync(frame, request);

        Assert.Equal((FrameKind.PlainReply, ReplyStatus.Unauthenticated), (answer.Kind, answer.Reply.Status));
        Assert.Contains("could be decoded by any uid, not only by this daemon's (uid 0)", answer.Reply.Message);
        Assert.Contains("daemon_user", answer.Reply.Message);
    }

    [Fact]
    public void A_client_whose_daemon_user_is_wrong_fails_with_a_message_naming_daemon_user()
    {
        using var daemon = new CredentialDaemon(testbed, "wrong-daemon-user");
        string config = daemon.ClientConfig("nobody", extra: "daemon_user = nobody\n");
        testbed.Kinit("alice");

        CommandResult add = testbed.RunAs("alice", CredentialDaemon.Cli, "--config", config, "add");

        Assert.Equal(3, add.ExitCode);
        Assert.Contains("restricted to another uid than this daemon's (0)", add.Stderr);
        Assert.Contains("set daemon_user", add.Stderr);
    }

    [Fact]
    public void A_daemon_not_running_as_daemon_user_refuses_to_start_and_says_which_user()
    {
        using var daemon = new CredentialDaemon(testbed, "not-daemon-user");
        daemon.Stop();
        File.AppendAllText(daemon.ConfigPath, "daemon_user = nobody\n");

        CommandResult check = Command.Run(CredentialDaemon.BuiltProgram("SlurmNative.Daemon", "slurmnatived"), ["--config", daemon.ConfigPath, "--check"]);

        Assert.Equal(2, check.ExitCode);
        Assert.Contains("slurmnatived runs as uid 0, but daemon_user is 'nobody'", check.Stderr);
    }

    [Fact]
    public void The_renewer_really_extends_endtime_against_the_kdc()
    {
        using var daemon = new CredentialDaemon(testbed, "renew", "renew_threshold = 10m\nrenew_interval = 1s");
        testbed.Kinit("alice", "-l", "40s", "-r", "10m");
        daemon.CliAs("alice", "add").EnsureSuccess("add");
        DateTimeOffset first = EndOf(daemon, testbed.UidOf("alice"));

        DateTimeOffset deadline = DateTimeOffset.UtcNow.AddSeconds(20);
        DateTimeOffset end = first;
        while (end <= first && DateTimeOffset.UtcNow < deadline)
        {
            Thread.Sleep(500);
            end = EndOf(daemon, testbed.UidOf("alice"));
        }
        Assert.True(end > first, $"endtime stayed at {first:u}; daemon log:\n{daemon.Log}");

        // The renewed ticket is a real one: root fetches it and klist reads it.
        string cache = Path.Combine(daemon.Directory, "renewed");
        Command.Run(CredentialDaemon.Cli, ["--config", daemon.ConfigPath, "get", "--user", "alice", "-c", "FILE:" + cache]).EnsureSuccess("get");
        Assert.Contains(Principal("alice"), testbed.Klist(cache).Stdout);
    }

    [Fact]
    public void A_ticket_past_renew_till_is_dropped_and_the_log_says_why()
    {
        using var daemon = new CredentialDaemon(testbed, "drop", "renew_threshold = 10m\nrenew_interval = 1s");
        testbed.Kinit("carol", "-l", "4s", "-r", "4s");
        daemon.CliAs("carol", "add").EnsureSuccess("add");

        DateTime deadline = DateTime.UtcNow.AddSeconds(20);
        while (ListAsRoot(daemon).Length > 0 && DateTime.UtcNow < deadline)
            Thread.Sleep(500);

        Assert.Empty(ListAsRoot(daemon));
        Assert.Contains($"dropped credential of uid {testbed.UidOf("carol")}", daemon.Log);
        Assert.Contains("run kinit and upload again", daemon.Log);
    }

    [Fact]
    public void Credentials_survive_a_restart_and_a_bad_key_file_stops_start_up_with_the_fix()
    {
        using var daemon = new CredentialDaemon(testbed, "restart");
        testbed.Kinit("alice");
        daemon.CliAs("alice", "add").EnsureSuccess("add");

        daemon.Stop();
        daemon.Start();
        daemon.CliAs("alice", "get", "-c", "MEMORY:x").EnsureSuccess("get after restart");

        daemon.Stop();
        File.SetUnixFileMode(Path.Combine(daemon.Directory, "keys"), (UnixFileMode)0b110_100_100);
        var refused = Assert.Throws<InvalidOperationException>(daemon.Start);
        Assert.Contains("chmod 600", refused.Message);
    }

    [Fact]
    public async Task Kill_9_during_a_thousand_concurrent_adds_loses_no_acknowledged_credential()
    {
        using var daemon = new CredentialDaemon(testbed, "crash");
        string[] users = ["alice", "bob", "carol"];
        // Distinct tickets straight from the KDC; root (an admin) uploads them for their owners.
        var clock = System.Diagnostics.Stopwatch.StartNew();
        var tickets = Enumerable.Range(0, 1000).AsParallel().AsOrdered().WithDegreeOfParallelism(4)
            .Select(i => (User: users[i % 3], Ticket: testbed.FreshTicket(users[i % 3]))).ToArray();
        var acknowledged = users.ToDictionary(u => u, _ => new System.Collections.Concurrent.ConcurrentBag<byte[]>());
        var sent = users.ToDictionary(u => u, _ => new System.Collections.Concurrent.ConcurrentBag<byte[]>());
        output.WriteLine($"1000 tickets from the KDC in {clock.ElapsedMilliseconds} ms");
        clock.Restart();
        DaemonClient client = daemon.RootClient();
        // Looked up once: UidOf runs `id -u`, and a process per add, waited for on a pool
        // thread, starved this loop of threads and held it to about 8 adds/s.
        var uids = users.ToDictionary(u => u, testbed.UidOf);
        int acks = 0;

        // 64 client threads, each blocking on its own connection, as 64 job starts would.
        var queue = new System.Collections.Concurrent.ConcurrentQueue<(string User, byte[] Ticket)>(tickets);
        var uploaders = Enumerable.Range(0, 64).Select(_ => new Thread(() =>
        {
            while (queue.TryDequeue(out var item))
            {
                sent[item.User].Add(item.Ticket);
                try
                {
                    client.Call(Request.Create(Operation.Add, uids[item.User], item.Ticket));
                    acknowledged[item.User].Add(item.Ticket);
                    Interlocked.Increment(ref acks);
                }
                catch (Exception e) when (e is DaemonUnreachableException or DaemonException or IOException)
                {
                    // In flight when the daemon died: not acknowledged, so not promised.
                }
            }
        })).ToList();
        uploaders.ForEach(t => t.Start());
        while (Volatile.Read(ref acks) < 300)
            await Task.Delay(5);
        daemon.Crash();
        output.WriteLine($"crashed after {acks} acknowledged adds in {clock.ElapsedMilliseconds} ms");
        uploaders.ForEach(t => t.Join());
        clock.Restart();

        daemon.Start();
        var stored = ListAsRoot(daemon);
        foreach (string user in users)
        {
            if (acknowledged[user].IsEmpty)
                continue;
            string cache = Path.Combine(daemon.Directory, "after-crash-" + user);
            Command.Run(CredentialDaemon.Cli, ["--config", daemon.ConfigPath, "get", "--user", user, "-c", "FILE:" + cache]).EnsureSuccess($"get {user} after the crash");
            byte[] survivor = KerberosTickets.ReadTicketGrantingTicket("FILE:" + cache);
            // What survived is one of the user's uploads (every acknowledged one was durable
            // when acknowledged; a later one may have replaced it, acknowledged or in flight).
            Assert.Contains(sent[user], t => t.AsSpan().SequenceEqual(survivor));
        }
        output.WriteLine($"restart and verification in {clock.ElapsedMilliseconds} ms");
        Assert.Equal(users.Count(u => !acknowledged[u].IsEmpty), stored.Length);
        Assert.True(acks >= 300 && acks < 1000, $"{acks} acknowledged before the crash");
    }

    [Fact]
    public void A_ticket_is_dropped_soon_after_its_owner_has_no_job_unless_it_was_kept()
    {
        string audit = Path.Combine(testbed.Directory, "daemon-idle", "audit.log");
        using var daemon = new CredentialDaemon(testbed, "idle", $"keep_after_last_job = 4s\naudit = file:{audit}");
        foreach (string user in new[] { "alice", "bob", "carol" })
            testbed.Kinit(user);
        // A held job never starts, and is a job all the same until it is cancelled. It forwards
        // nothing (--krb5=no), whatever plugstack.conf an earlier test left.
        string job = testbed.RunAs("carol", "sbatch", "--krb5=no", "--hold", "--parsable", "-o", "/dev/null", "--wrap", "true")
            .EnsureSuccess("sbatch --hold").Stdout.Trim();
        try
        {
            daemon.CliAs("alice", "add").EnsureSuccess("alice add");
            daemon.CliAs("bob", "add", "--keep").EnsureSuccess("bob add --keep");
            daemon.CliAs("carol", "add").EnsureSuccess("carol add");
            uint alice = testbed.UidOf("alice"), bob = testbed.UidOf("bob"), carol = testbed.UidOf("carol");
            uint[] Stored() => ListAsRoot(daemon).Select(e => e.GetProperty("uid").GetUInt32()).Order().ToArray();

            var clock = System.Diagnostics.Stopwatch.StartNew();
            while (Stored().Contains(alice) && clock.Elapsed < TimeSpan.FromSeconds(30))
                Thread.Sleep(250);
            output.WriteLine($"alice's ticket, with no job, dropped after {clock.ElapsedMilliseconds} ms");
            Assert.Equal(new[] { bob, carol }.Order().ToArray(), Stored());
            Assert.InRange(clock.Elapsed, TimeSpan.FromSeconds(3), TimeSpan.FromSeconds(15));
            Assert.Contains($"dropped the credential of uid {alice}: no job of theirs for", daemon.Log);
            Assert.Contains($"action=remove outcome=dropped target_uid={alice} by=idle_sweeper reason=\"no job for 00:00:04 (keep_after_last_job)\"", File.ReadAllText(audit));

            // Eight more seconds: carol's held job still keeps hers.
            Thread.Sleep(8000);
            Assert.Equal(new[] { bob, carol }.Order().ToArray(), Stored());

            testbed.RunAs("root", "scancel", job).EnsureSuccess("scancel");
            clock.Restart();
            while (Stored().Contains(carol) && clock.Elapsed < TimeSpan.FromSeconds(30))
                Thread.Sleep(250);
            output.WriteLine($"carol's ticket dropped {clock.ElapsedMilliseconds} ms after her only job was cancelled");
            Assert.Equal([bob], Stored());
            Assert.InRange(clock.Elapsed, TimeSpan.FromSeconds(3), TimeSpan.FromSeconds(15));
        }
        finally
        {
            testbed.RunAs("root", "scancel", job);
        }
    }
}
