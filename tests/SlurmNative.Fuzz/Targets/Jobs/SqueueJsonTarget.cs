using System.Text;
using System.Text.Json;
using CsCheck;
using SlurmNative.Daemon.Jobs;
using SlurmNative.Fuzz.Engine;
using SlurmNative.Fuzz.Targets.Gateway;

namespace SlurmNative.Fuzz.Targets.Jobs;

/// <summary>
/// <c>squeue --json</c> as the daemon reads it to bind a node's fetch to a running job and to keep
/// the tickets of users with jobs.
/// </summary>
internal sealed class SqueueJsonTarget() : JsonListingTarget(
    "squeue-json",
    "SlurmJobDirectory.ParseJobs: squeue --json listings, node lists expanded",
    typeof(JobDirectoryException),
    new MemoryBound(64, 4 * 1024 * 1024, "JsonDocument's tables, and up to 1024 hosts expanded from a short range"))
{
    protected override void Check(JsonElement listing)
    {
        foreach ((uint id, JobPlacement job) in SlurmJobDirectory.ParseJobs(listing))
        {
            if (job.JobId != id)
                throw new PropertyViolation($"job {id} was read with id {job.JobId}");
            if (job.Nodes.Any(string.IsNullOrEmpty))
                throw new PropertyViolation($"job {id} has a node without a name");
        }
    }

    public override IReadOnlyList<byte[]> Dictionary { get; } =
        JsonDictionary.Tokens.Concat(new[] { "\"jobs\"", "\"job_id\"", "\"user_id\"", "\"job_state\"", "\"nodes\"", "\"number\"", "\"set\"", "[", "]", "-", "node[1-3]", "0001" }
            .Select(Encoding.UTF8.GetBytes)).ToArray();

    private static readonly Gen<string> NodeList = Gen.Frequency(
        (6, Gen.OneOf("\"node1\"", "\"node[1-3]\"", "\"node[01-03,07],gpu5\"", "\"\"", "\"n[0-1023]\"", "\"a[1]b,c\"")),
        (2, Gen.OneOf("\"node[1-\"", "\"node[3-1]\"", "\"node[x]\"", "\"node[1-99999999999]\"", "\"node[-]\"", "\"node[,]\"", "\"[]\"", "\"node]1[\"", "\"node[1-2\"", "\"n[18446744073709551615]\"", "\"n[0-18446744073709551615]\"")),
        (1, Gens.JsonString));

    private static readonly Gen<string> Number = Gen.Frequency(
        (6, Gen.OneOf("12", "0", "4294967295", "4294967296", "-1", "1.0")),
        (2, Gen.OneOf("{\"set\":true,\"number\":12}", "{\"set\":false}", "{\"number\":\"12\"}", "{\"number\":-1}")),
        (1, Gens.JsonScalar));

    private static readonly Gen<string> Job = Gens.JsonObject(
        Gens.Member("job_id", Number),
        Gens.Member("user_id", Number),
        Gens.Member("job_state", Gen.OneOf("\"RUNNING\"", "[\"RUNNING\",\"COMPLETING\"]", "[]", "[null]", "\"\"", "3", "null")),
        Gens.Member("nodes", NodeList),
        Gens.Member("name", Gens.JsonString))
        .Select(Encoding.UTF8.GetString);

    public override Gen<byte[]> Structured { get; } = Gen.Frequency(
        (8, Gens.JsonObject(Gens.Member("jobs", Gens.ListOrScalar(Job, 4)))),
        (1, Gens.JsonValue.Select(Encoding.UTF8.GetBytes)));
}
