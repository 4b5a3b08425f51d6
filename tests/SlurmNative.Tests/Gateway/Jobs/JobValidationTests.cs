using System.Text.Json;
using SlurmNative.Gateway.Configuration;
using SlurmNative.Gateway.Jobs;
using SlurmNative.Gateway.Policy;

namespace SlurmNative.Tests.Gateway.Jobs;

public class JobValidationTests
{
    private static readonly Grant Physics = new([new GroupRule("physics", new HashSet<string> { "short" }, new HashSet<string> { "phys" }, ["short"], 60)]);
    private static readonly Dictionary<string, string> Base = new() { ["PATH"] = "/usr/bin:/bin" };

    private static ValidatedJob Validate(JobRequest request) => JobValidation.Validate(request, Physics, "/home/alice", Base);

    [Fact]
    public void A_plain_job_gets_the_policy_defaults()
    {
        ValidatedJob job = Validate(new JobRequest { Script = "#!/bin/sh\nhostname\n", TimeLimitMinutes = 10, Account = "phys" });
        Assert.Equal("short", job.Partition);
        Assert.Equal("/home/alice", job.WorkingDirectory);
        Assert.Equal(1, job.Nodes);
        Assert.Equal("/usr/bin:/bin", job.Environment["PATH"]);
    }

    [Theory]
    [InlineData("partition 'long' is not allowed for your groups; allowed: short")]
    public void A_partition_outside_the_grant_is_named(string expected)
    {
        var e = Assert.Throws<JobRejectedException>(() => Validate(new JobRequest { Script = "#!/bin/sh\n", Partition = "long", TimeLimitMinutes = 1 }));
        Assert.Equal(expected, e.Message);
    }

    private static readonly JobRequest[] RefusedRequests =
    [
        new JobRequest { TimeLimitMinutes = 1 },
        new JobRequest { Script = "echo hi", TimeLimitMinutes = 1 },
        new JobRequest { Script = "#!/bin/sh\n", Account = "phys" },
        new JobRequest { Script = "#!/bin/sh\n", TimeLimitMinutes = 61, Account = "phys" },
        new JobRequest { Script = "#!/bin/sh\n", TimeLimitMinutes = 1, Account = "chem" },
        new JobRequest { Script = "#!/bin/sh\n", TimeLimitMinutes = 1, Name = "a\nb" },
        new JobRequest { Script = "#!/bin/sh\n", TimeLimitMinutes = 1, Account = "phys", WorkingDirectory = "relative" },
        new JobRequest { Script = "#!/bin/sh\n", TimeLimitMinutes = 1, Account = "phys", Output = "/tmp/../etc/x" },
        new JobRequest { Script = "#!/bin/sh\n", TimeLimitMinutes = 1, Account = "phys", Error = "/tmp/$(id)" },
        new JobRequest { Script = "#!/bin/sh\n", TimeLimitMinutes = 1, Account = "phys", Nodes = 0 },
        new JobRequest { Script = "#!/bin/sh\n", TimeLimitMinutes = 1, Account = "phys", Environment = new() { ["KRB5CCNAME"] = "FILE:/tmp/x" } },
        new JobRequest { Script = "#!/bin/sh\n", TimeLimitMinutes = 1, Account = "phys", Environment = new() { ["1A"] = "x" } },
        new JobRequest { Script = "#!/bin/sh\n\0", TimeLimitMinutes = 1 },
    ];

    public static TheoryData<int, string> Refused => new()
    {
        { 0, "script is required" },
        { 1, "must start with an interpreter line" },
        { 2, "time_limit_minutes is required" },
        { 3, "outside 1..60" },
        { 4, "account 'chem' is not allowed" },
        { 5, "name 'a?b'" },
        { 6, "absolute path" },
        { 7, "must not contain '..'" },
        { 8, "may only use" },
        { 9, "nodes 0 is outside" },
        { 10, "is reserved" },
        { 11, "must match" },
        { 12, "NUL" },
    };

    [Theory]
    [MemberData(nameof(Refused))]
    public void Bad_fields_are_refused_with_the_field_named(int request, string expected)
    {
        var e = Assert.Throws<JobRejectedException>(() => Validate(RefusedRequests[request]));
        Assert.Contains(expected, e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Unknown_and_duplicate_fields_do_not_deserialise()
    {
        Assert.ThrowsAny<JsonException>(() => JsonSerializer.Deserialize("{\"script\":\"#!/bin/sh\",\"user_id\":0}", GatewayJson.Default.JobRequest));
        Assert.ThrowsAny<JsonException>(() => JsonSerializer.Deserialize("{\"script\":\"#!/bin/sh\",\"script\":\"#!/bin/bash\"}", GatewayJson.Default.JobRequest));
    }

    [Fact]
    public void An_environment_value_of_null_is_refused_with_its_name()
    {
        JobRequest request = JsonSerializer.Deserialize("{\"script\":\"#!/bin/sh\\n\",\"time_limit_minutes\":1,\"account\":\"phys\",\"environment\":{\"OMP_NUM_THREADS\":null}}",
            GatewayJson.Default.JobRequest)!;
        var e = Assert.Throws<JobRejectedException>(() => Validate(request));
        Assert.Contains("environment value of 'OMP_NUM_THREADS' must be a string", e.Message, StringComparison.Ordinal);
    }
}
