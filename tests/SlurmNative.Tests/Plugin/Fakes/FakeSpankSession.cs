using SlurmNative.Plugin.Spank;

namespace SlurmNative.Tests.Plugin.Fakes;

/// <summary>One hook's view of a job step, with the environment Slurm would give the job.</summary>
internal sealed class FakeSpankSession(SpankContext context, ForwardingRequest request = ForwardingRequest.Unset, uint uid = FakeSpankSession.JobUser,
    uint? job = 77, uint? step = 3) : ISpankSession
{
    public const uint JobUser = 4321;
    public const uint JobGroup = 4322;

    public SpankContext Context => context;
    public ForwardingRequest Request => request;
    public uint JobUserId => uid;
    public uint? JobId => job;
    public uint? StepId => step;
    public uint? JobGroupId => JobGroup;
    public Dictionary<string, string> Environment { get; } = [];
    public string? GetEnvironment(string name) => Environment.GetValueOrDefault(name);
    public bool SetEnvironment(string name, string value)
    {
        Environment[name] = value;
        return true;
    }
}
