using System.Net;

namespace SlurmNative.Tests.Gateway.Slurm;

public class SlurmRestErrorTests
{
    [Fact]
    public async Task An_unreachable_slurmrestd_is_reported_to_the_client_without_its_address()
    {
        int port;
        using (var listener = new System.Net.Sockets.TcpListener(IPAddress.Loopback, 0))
        {
            listener.Start();
            port = ((IPEndPoint)listener.LocalEndpoint).Port;
        }
        using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}/") };
        var client = new SlurmNative.Gateway.Slurm.SlurmRestClient(http, "v0.0.38");
        var e = await Assert.ThrowsAsync<SlurmNative.Gateway.Slurm.SlurmRestException>(() => client.ListAsync("alice", "token", CancellationToken.None));
        Assert.Equal(HttpStatusCode.ServiceUnavailable, e.StatusCode);
        Assert.DoesNotContain("127.0.0.1", e.Message, StringComparison.Ordinal);
        Assert.DoesNotContain(port.ToString(System.Globalization.CultureInfo.InvariantCulture), e.Message, StringComparison.Ordinal);
        Assert.Contains($"127.0.0.1:{port}", e.Detail, StringComparison.Ordinal);
    }

    /// <summary>Plays slurmrestd with one canned reply.</summary>
    private sealed class CannedSlurmrestd(HttpStatusCode status, string body) : HttpMessageHandler
    {
        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken) =>
            Task.FromResult(new HttpResponseMessage(status) { Content = new StringContent(body), RequestMessage = request });
    }

    private static SlurmNative.Gateway.Slurm.SlurmRestClient Slurmrestd(HttpStatusCode status, string body) =>
        new(new HttpClient(new CannedSlurmrestd(status, body)) { BaseAddress = new Uri("http://slurmrestd.example.test:6820/") }, "v0.0.38");

    private static readonly SlurmNative.Gateway.Jobs.ValidatedJob Job = new("#!/bin/sh\n", "job", "batch", null, null, 1, null, null, null, "/home/alice", null, null, new Dictionary<string, string>());

    [Theory]
    [InlineData("1")]
    [InlineData("[{\"job_id\":7}]")]
    [InlineData("{\"job_id\":\"7\"}")]
    [InlineData("{\"job_id\":7,\"x\":\"\\ud800\"}")] // a string that is not text
    public async Task A_submission_reply_without_a_usable_job_id_is_a_bad_gateway(string body)
    {
        var e = await Assert.ThrowsAsync<SlurmNative.Gateway.Slurm.SlurmRestException>(() => Slurmrestd(HttpStatusCode.OK, body).SubmitAsync("alice", "token", Job, CancellationToken.None));
        Assert.Equal(HttpStatusCode.BadGateway, e.StatusCode);
    }

    [Theory]
    [InlineData("1", 0)]
    [InlineData("{\"jobs\":[1,\"x\",[],{\"job_id\":7,\"user_name\":\"alice\"}]}", 1)]
    public async Task Job_lists_keep_only_the_entries_that_are_objects(string body, int expected)
    {
        var jobs = await Slurmrestd(HttpStatusCode.OK, body).ListAsync("alice", "token", CancellationToken.None);
        Assert.Equal(expected, jobs.Count);
        Assert.All(jobs, job => Assert.Equal(7, job.JobId));
    }

    [Fact]
    public async Task Errors_that_are_not_objects_are_skipped_and_the_others_reported()
    {
        var e = await Assert.ThrowsAsync<SlurmNative.Gateway.Slurm.SlurmRestException>(() =>
            Slurmrestd(HttpStatusCode.InternalServerError, "{\"errors\":[1,null,{\"error\":\"Invalid partition name specified\"}]}").ListAsync("alice", "token", CancellationToken.None));
        Assert.Contains("Invalid partition name specified", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_error_naming_slurmrestds_host_without_its_port_does_not_reach_the_client()
    {
        var e = await Assert.ThrowsAsync<SlurmNative.Gateway.Slurm.SlurmRestException>(() =>
            Slurmrestd(HttpStatusCode.InternalServerError, "{\"errors\":[{\"error\":\"slurmctld refused slurmrestd.example.test\"}]}").ListAsync("alice", "token", CancellationToken.None));
        Assert.DoesNotContain("example.test", e.Message, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("slurmrestd.example.test", e.Detail, StringComparison.Ordinal);
    }
}
