using System.Net;
using System.Text.Json;
using SlurmNative.Credentials.Protocol;
using SlurmNative.Daemon.Acl;
using SlurmNative.Daemon.Jobs;
using SlurmNative.Daemon.Service;
using SlurmNative.Tests.Daemon.Fakes;

namespace SlurmNative.Tests.Daemon.Jobs;

/// <summary>node_fetch = job_bound: a node gets a user's ticket only for that user's job running on it.</summary>
public class JobBindingTests
{
    private const uint Alice = 1001, Bob = 1002;
    private static readonly IPAddress Node1 = IPAddress.Parse("10.0.0.1"), Node2 = IPAddress.Parse("10.0.0.2");

    private static Caller RootOn(IPAddress? host) => new(0, 0, "root", new HashSet<string>(), host);

    private static FakeJobDirectory AliceRunningOnNode1()
    {
        var jobs = new FakeJobDirectory();
        jobs.Nodes["node1"] = [Node1];
        jobs.Nodes["node2"] = [Node2];
        jobs.Jobs[12] = new JobPlacement(12, Alice, "RUNNING", ["node1"]);
        jobs.Jobs[13] = new JobPlacement(13, Alice, "PENDING", []);
        jobs.Jobs[14] = new JobPlacement(14, Bob, "RUNNING", ["node1"]);
        return jobs;
    }

    [Theory]
    [InlineData(12u, null)]
    [InlineData(null, "must name the job it fetches uid 1001's ticket for")]
    [InlineData(99u, "slurmctld knows no job 99")]
    [InlineData(13u, "job 13 is PENDING, not running")]
    [InlineData(14u, "job 14 is not uid 1001's")]
    public async Task Root_on_a_node_gets_a_ticket_only_for_that_users_job_running_there(uint? job, string? refusal)
    {
        string? reason = await new NodeFetchGuard(AliceRunningOnNode1()).RefusalAsync(RootOn(Node1), Alice, job, CancellationToken.None);

        if (refusal is null)
            Assert.Null(reason);
        else
            Assert.Contains(refusal, reason);
    }

    [Fact]
    public async Task Root_on_another_node_is_refused_and_told_where_the_job_runs()
    {
        string? reason = await new NodeFetchGuard(AliceRunningOnNode1()).RefusalAsync(RootOn(Node2), Alice, 12, CancellationToken.None);
        Assert.Equal("node_fetch = job_bound: job 12 runs on node1, not on 10.0.0.2", reason);

        string? local = await new NodeFetchGuard(AliceRunningOnNode1()).RefusalAsync(RootOn(null), Alice, 12, CancellationToken.None);
        Assert.Contains("Unix socket comes from none of them", local);
    }

    private static CredentialService Service(FakeJobDirectory jobs, InMemoryStore store) =>
        new(store, () => AccessPolicy.Default("slurm"), new FakeInspector(), new RecordingDaemonLog(), jobBinding: new NodeFetchGuard(jobs));

    [Fact]
    public async Task The_service_binds_a_nodes_fetch_to_the_job_but_not_an_owners_or_an_admins()
    {
        var store = new InMemoryStore();
        byte[] ticket = FakeInspector.Ticket("alice@TEST", Alice);
        await store.PutAsync(new SlurmNative.Store.StoredCredential(Alice, "alice@TEST", DateTimeOffset.UtcNow, DateTimeOffset.UtcNow.AddHours(10), DateTimeOffset.UtcNow.AddDays(7), 0, ticket));
        var service = Service(AliceRunningOnNode1(), store);
        var alice = new Caller(Alice, Alice, "alice", new HashSet<string>(), Node2);

        Assert.Equal(ReplyStatus.Ok, (await service.HandleAsync(RootOn(Node1), Request.Fetch(Alice, 12), CancellationToken.None)).Status);
        Reply elsewhere = await service.HandleAsync(RootOn(Node2), Request.Fetch(Alice, 12), CancellationToken.None);
        Assert.Equal(ReplyStatus.Forbidden, elsewhere.Status);
        Assert.Empty(elsewhere.Body);
        Assert.Equal(ReplyStatus.Ok, (await service.HandleAsync(alice, Request.Fetch(null), CancellationToken.None)).Status);
        Assert.Equal(ReplyStatus.Ok, (await service.HandleAsync(RootOn(IPAddress.Loopback), Request.Fetch(Alice), CancellationToken.None)).Status);
        Reply garbled = await service.HandleAsync(RootOn(Node1), Request.Create(Operation.Get, Alice, [1, 2, 3]), CancellationToken.None);
        Assert.Equal(ReplyStatus.BadRequest, garbled.Status);
    }

    [Theory]
    [InlineData("node1", new[] { "node1" })]
    [InlineData("node[1-3]", new[] { "node1", "node2", "node3" })]
    [InlineData("gpu[08-10,12],login5", new[] { "gpu08", "gpu09", "gpu10", "gpu12", "login5" })]
    [InlineData("a[1-2]b,c", new[] { "a1b", "a2b", "c" })]
    public void Host_lists_expand_as_slurm_writes_them(string list, string[] hosts) =>
        Assert.Equal(hosts, HostList.Expand(list));

    [Fact]
    public void A_host_list_may_end_at_the_largest_number_without_wrapping_around()
    {
        Assert.Equal(["n18446744073709551615"], HostList.Expand("n[18446744073709551615]"));
        Assert.Equal(["n18446744073709551614", "n18446744073709551615"], HostList.Expand("n[18446744073709551614-18446744073709551615]"));
    }

    [Theory]
    [InlineData("node[1-")]
    [InlineData("node[3-1]")]
    [InlineData("node[x]")]
    [InlineData("node[1-99999999999]")]
    public void A_malformed_host_list_is_a_format_error(string list) =>
        Assert.Throws<FormatException>(() => HostList.Expand(list));

    [Fact]
    public void Squeue_json_of_slurm_22_05_and_of_later_releases_reads_alike()
    {
        using var old = JsonDocument.Parse("""{"jobs":[{"job_id":12,"user_id":1001,"job_state":"RUNNING","nodes":"node[1-2]","name":"x UserId=root(0) NodeList=evil"}]}""");
        using var newer = JsonDocument.Parse("""{"jobs":[{"job_id":{"set":true,"number":12},"user_id":1001,"job_state":["RUNNING","COMPLETING"],"nodes":"node[1-2]"}]}""");

        foreach (JsonDocument document in new[] { old, newer })
        {
            JobPlacement job = SlurmJobDirectory.ParseJobs(document.RootElement)[12];
            Assert.Equal((12u, Alice, "RUNNING"), (job.JobId, job.UserId, job.State));
            Assert.Equal(["node1", "node2"], job.Nodes);
        }
    }

    [Theory]
    [InlineData("""[]""")]
    [InlineData("""{"jobs":{}}""")]
    [InlineData("""{"jobs":[7]}""")]
    [InlineData("""{"jobs":[{"job_id":"12","user_id":1001,"job_state":"RUNNING"}]}""")]
    [InlineData("""{"jobs":[{"job_id":12,"user_id":1001,"job_state":3}]}""")]
    [InlineData("""{"jobs":[{"job_id":12,"user_id":1001,"job_state":[]}]}""")]
    [InlineData("""{"jobs":[{"job_id":12,"user_id":1001,"job_state":[null]}]}""")]
    [InlineData("""{"jobs":[{"job_id":12,"user_id":1001,"job_state":"RUNNING","nodes":"node[1-"}]}""")]
    [InlineData("""{"jobs":[{"job_id":12,"user_id":1001,"job_state":"RUN\ud800"}]}""")]
    [InlineData("""{"jobs":[{"job_id":12,"user_id":1001,"job_state":"RUNNING","nodes":"n\udfff"}]}""")]
    public void Squeue_json_of_another_shape_is_a_directory_error(string json)
    {
        using var document = JsonDocument.Parse(json);
        Assert.Throws<JobDirectoryException>(() => SlurmJobDirectory.ParseJobs(document.RootElement));
    }

    [Theory]
    [InlineData("""[]""")]
    [InlineData("""{"nodes":"n1"}""")]
    [InlineData("""{"nodes":[[]]}""")]
    [InlineData("""{"nodes":[{"name":"n\ud800"}]}""")]
    [InlineData("""{"nodes":[{"n\udc00me":"n1"}]}""")]
    public void Sinfo_json_of_another_shape_is_a_directory_error(string json)
    {
        using var document = JsonDocument.Parse(json);
        Assert.Throws<JobDirectoryException>(() => SlurmJobDirectory.ParseNodes(document.RootElement));
    }

    [Fact]
    public void Sinfo_json_gives_a_node_its_address_or_else_its_name()
    {
        using var document = JsonDocument.Parse("""{"nodes":[{"name":"n1","address":"10.0.0.1"},{"name":"n2"},{"name":"n3","address":5},{"name":"n4","address":""},{"name":"","address":"10.0.0.9"},{"name":7}]}""");
        Assert.Equal(new Dictionary<string, string> { ["n1"] = "10.0.0.1", ["n2"] = "n2", ["n3"] = "n3", ["n4"] = "n4" }, SlurmJobDirectory.ParseNodes(document.RootElement));
    }

    // 25.05's sinfo groups nodes and here gives no addresses; its scontrol lists each node as 22.05's sinfo did.
    [Theory]
    [InlineData("""{"sinfo":[{"node":{"state":["IDLE"]},"nodes":{"nodes":["node1"],"addresses":[],"hostnames":[]}}],"meta":{},"errors":[],"warnings":[]}""", true)]
    [InlineData("""{"nodes":[{"name":"node1","address":"127.0.0.1"}]}""", false)]
    [InlineData("""{"sinfo":"x"}""", false)]
    [InlineData("""[]""", false)]
    public void A_grouped_sinfo_listing_is_told_from_one_that_lists_each_node(string json, bool grouped)
    {
        using var document = JsonDocument.Parse(json);
        Assert.Equal(grouped, SlurmJobDirectory.IsGroupedSinfo(document.RootElement));
    }

    [Fact]
    public void Scontrol_json_show_nodes_gives_each_node_its_address()
    {
        using var document = JsonDocument.Parse("""{"nodes":[{"architecture":"x86_64","name":"node1","address":"10.231.0.11","hostname":"node1","boot_time":{"set":true,"infinite":false,"number":1}}],"last_update":{"set":true,"number":2},"meta":{},"errors":[],"warnings":[]}""");
        Assert.Equal(new Dictionary<string, string> { ["node1"] = "10.231.0.11" }, SlurmJobDirectory.ParseNodes(document.RootElement));
    }

    [Theory]
    [InlineData("PENDING", false)]
    [InlineData("RUNNING", false)]
    [InlineData("SUSPENDED", false)]
    [InlineData("COMPLETING", false)]
    [InlineData("REQUEUE_HOLD", false)]
    [InlineData("SOME_STATE_OF_A_LATER_SLURM", false)]
    [InlineData("COMPLETED", true)]
    [InlineData("CANCELLED", true)]
    [InlineData("TIMEOUT", true)]
    [InlineData("OUT_OF_MEMORY", true)]
    public void Only_a_state_a_job_never_leaves_counts_as_ended(string state, bool ended) =>
        Assert.Equal(ended, new JobPlacement(1, Alice, state, []).HasEnded);

    [Fact]
    public void Host_local_in_the_acl_is_the_daemons_own_host()
    {
        var policy = AccessPolicy.Parse("admin uid=0 host=local\nnode uid=0\n", "acl.conf");
        Assert.True(policy.RolesOf(RootOn(IPAddress.Loopback)).HasFlag(Role.Admin));
        Assert.True(policy.RolesOf(RootOn(null)).HasFlag(Role.Admin));
        Assert.True(policy.RolesOf(RootOn(IPAddress.IPv6Loopback)).HasFlag(Role.Admin));
        Assert.Equal(Role.Node, policy.RolesOf(RootOn(Node1)));
    }
}
