using System.Text.Json;
using CsCheck;
using SlurmNative.Fuzz.Engine;
using SlurmNative.Gateway.Configuration;
using SlurmNative.Gateway.Jobs;
using SlurmNative.Gateway.Policy;
using SlurmNative.Gateway.Slurm;

namespace SlurmNative.Fuzz.Targets.Gateway;

/// <summary>
/// The body of POST /api/v1/jobs as the gateway handles it: deserialised, validated against a
/// grant, and written as slurmrestd's submission. A job that passes validation must always
/// become a submission, and that submission must be JSON.
/// </summary>
internal sealed class JobRequestTarget() : FuzzTarget(
    "gateway-job",
    "JobRequest from JSON, JobValidation.Validate, SlurmRestClient.SubmissionBody",
    typeof(JobRejectedException),
    new MemoryBound(32, Why: "System.Text.Json quotes a bad token whole in its error, about 20 bytes per byte"))
{
    private static readonly Grant Grant = new([
        new GroupRule("hpc", new HashSet<string> { "batch" }, null, ["batch"], 1440),
        new GroupRule("any", null, null, [], null),
    ]);

    private static readonly Dictionary<string, string> BaseEnvironment = new() { ["PATH"] = "/usr/bin:/bin" };

        // Two documented refusals: JSON the serializer refuses, and a job the validation refuses.
    public override Outcome Run(byte[] input)
    {
        JobRequest? request;
        try
        {
            request = JsonSerializer.Deserialize(input, GatewayJson.Default.JobRequest);
        }
        catch (JsonException)
        {
            return Outcome.Refused;
        }
        if (request is null)
            return Outcome.Refused;
        ValidatedJob job = JobValidation.Validate(request, Grant, "/home/alice", BaseEnvironment);
        byte[] submission = SlurmRestClient.SubmissionBody(job);
        using JsonDocument written = JsonDocument.Parse(submission);
        if (written.RootElement.GetProperty("script").GetString() != job.Script)
            throw new PropertyViolation("the submission carries another script than the validated job");
        return Outcome.Accepted;
    }

    public override IReadOnlyList<byte[]> Dictionary => JsonDictionary.Tokens;

    private static readonly Gen<string> Path = Gen.Frequency(
        (6, Gen.OneOf("\"/home/alice\"", "\"/home/alice/out-%j.txt\"", "\"/scratch/a+b@c=d\"")),
        (1, Gen.OneOf("\"relative\"", "\"/home/../etc\"", "\"/a b\"", "\"\"")),
        (1, Gens.JsonString));

    private static readonly Gen<string> Number = Gen.Frequency(
        (6, Gen.Int[1, 1440].Select(n => n.ToString(System.Globalization.CultureInfo.InvariantCulture))),
        (1, Gen.OneOf("0", "-1", "1441", "527041", "100000", "100001", "10000001", "2147483647", "2147483648", "1.5", "\"1\"")));

    private static Gen<string?> Optional(string name, Gen<string> right) => Gens.Member(name, right, wrong: 1, missing: 6);

    private static readonly Gen<string> Environment =
        Gen.Select(Gen.OneOf(Gen.OneOf("OMP_NUM_THREADS", "_X", "SLURM_JOB_ID", "LD_PRELOAD", "KRB5CCNAME", "1BAD", "A-B", ""), Gens.Name), Gens.JsonScalar)
            .Array[0, 4].Select(pairs => "{" + string.Join(",", pairs.Select(p => $"{Gens.Quote(p.Item1)}:{p.Item2}")) + "}");

    private static readonly Gen<string> Script = Gen.Frequency(
        (6, Gen.OneOf("\"#!/bin/sh\\nhostname\\n\"", "\"#!/bin/bash\\nsrun klist\\n\"")),
        (1, Gen.OneOf("\"#!/bin/sh\\u0000\"", "\"hostname\"", "\"#!\\ud800\"", "\"#!/bin/sh\\n\\udfff\"", "\"#!/bin/sh\\necho \\ud83d\\ude00\"")),
        (1, Gens.JsonString.Select(s => "\"#!" + s[1..])));

    public override Gen<byte[]> Structured { get; } = Gens.JsonObject(
        Gens.Member("script", Script, wrong: 1, missing: 1),
        Optional("name", Gen.OneOf(Gen.OneOf("\"job\"", "\"-x\"", "\"a+b.c_d\""), Gens.JsonString)),
        Gens.Member("partition", Gen.Frequency((6, Gen.Const("\"batch\"")), (1, Gen.OneOf("\"gpu\"", "\"-p\"")), (1, Gens.JsonString)), wrong: 1, missing: 1),
        Optional("account", Gen.OneOf(Gen.OneOf("\"proj\"", "\"\""), Gens.JsonString)),
        Gens.Member("time_limit_minutes", Number, wrong: 1, missing: 1),
        Optional("nodes", Number),
        Optional("tasks", Number),
        Optional("cpus_per_task", Number),
        Optional("memory_per_node_mb", Number),
        Optional("working_directory", Path),
        Optional("output", Path),
        Optional("error", Path),
        Optional("environment", Environment));
}
