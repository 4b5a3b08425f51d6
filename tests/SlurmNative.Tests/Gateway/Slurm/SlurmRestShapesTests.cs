using System.Text.Json;
using SlurmNative.Gateway.Slurm;

namespace SlurmNative.Tests.Gateway.Slurm;

/// <summary>
/// slurmrestd's replies as each data-parser version shapes them (22.05's v0.0.38 and
/// 25.05/25.11's v0.0.41+), and the choice of version from its OpenAPI document.
/// </summary>
public class SlurmRestShapesTests
{
    [Theory]
    [InlineData("""{"jobs":[{"job_id":7,"name":"a","user_name":"alice","job_state":"COMPLETED","partition":"debug","exit_code":3}]}""", "COMPLETED", 3L)]
    [InlineData("""{"jobs":[{"job_id":7,"name":"a","user_name":"alice","job_state":["COMPLETED"],"partition":"debug","exit_code":{"status":["EXITED"],"return_code":{"set":true,"infinite":false,"number":3},"signal":{"id":{"set":false,"infinite":false,"number":0},"name":""}}}]}""", "COMPLETED", 3L)]
    [InlineData("""{"jobs":[{"job_id":7,"name":"a","user_name":"alice","job_state":["RUNNING","COMPLETING"],"partition":"debug","exit_code":{"status":["PENDING"],"return_code":{"set":false,"infinite":false,"number":0}}}]}""", "RUNNING", null)]
    [InlineData("""{"jobs":[{"job_id":7,"name":"a","user_name":"alice","job_state":["FAILED"],"partition":"debug","exit_code":{"status":["EXITED"],"return_code":2}}]}""", "FAILED", 2L)]
    public void Job_state_and_exit_code_are_read_in_both_shapes(string reply, string state, long? exitCode)
    {
        using JsonDocument document = JsonDocument.Parse(reply);
        var job = Assert.Single(SlurmRestClient.Jobs(document));
        Assert.Equal(7, job.JobId);
        Assert.Equal(state, job.State);
        Assert.Equal(exitCode, job.ExitCode);
    }

    private static JsonDocument Spec(params string[] versions) => JsonDocument.Parse(JsonSerializer.Serialize(new Dictionary<string, object>
    {
        ["openapi"] = "3.0.2",
        ["paths"] = versions.SelectMany(v => new[] { $"/slurm/{v}/job/submit", $"/slurm/{v}/jobs", $"/slurm/{v}/diag" })
            .Append("/slurmdb/v0.0.99/job/submit").ToDictionary(p => p, _ => (object)new Dictionary<string, object>()),
    }));

    [Fact]
    public void The_newest_served_version_the_gateway_knows_is_chosen()
    {
        using (JsonDocument debian = Spec("v0.0.36", "v0.0.37", "v0.0.38"))
            Assert.Equal("v0.0.38", SlurmRestClient.Choose(SlurmRestClient.ServedVersions(debian)));
        using (JsonDocument slurm2505 = Spec("v0.0.40", "v0.0.41", "v0.0.42", "v0.0.43"))
            Assert.Equal("v0.0.43", SlurmRestClient.Choose(SlurmRestClient.ServedVersions(slurm2505)));
        // A later Slurm's newer version is not guessed at; the newest known one it still serves is used.
        using (JsonDocument later = Spec("v0.0.43", "v0.0.44", "v0.0.45"))
            Assert.Equal("v0.0.44", SlurmRestClient.Choose(SlurmRestClient.ServedVersions(later)));
        using (JsonDocument none = Spec("v0.0.99"))
            Assert.Null(SlurmRestClient.Choose(SlurmRestClient.ServedVersions(none)));
    }
}
