using SlurmNative.Fuzz.Engine;
using SlurmNative.Fuzz.Targets;

namespace SlurmNative.Fuzz.Tests;

/// <summary>
/// Every target for a few thousand inputs with a fixed seed, inside `./build.sh test`: the same
/// inputs on every run, so a failure here reproduces with `SlurmNative.Fuzz fuzz 3000 --target NAME`.
/// </summary>
public class ShortCampaignTests
{
    public const long Inputs = 3000;
    public const ulong Seed = 20261204;

    public static TheoryData<string> Targets => [.. FuzzTargets.Names];

    [Theory]
    [MemberData(nameof(Targets))]
    public void A_short_campaign_finds_nothing(string name)
    {
        FuzzTarget target = FuzzTargets.Create(name);
        CampaignResult result = Campaign.Run(target, Inputs, Seed, timeLimit: Limits.SharedMachineInputTime);

        Assert.True(result.Findings.Count == 0, $"{name}: {string.Join("\n\n", result.Findings.Values)}");
        Assert.True(result.Inputs >= Inputs);
        // A target that accepts nothing, or refuses nothing, is not exercising its parser.
        Assert.True(result.Accepted > 0, $"{name} accepted none of {result.Inputs} inputs: its generator makes nothing valid");
        Assert.True(result.Refused > 0, $"{name} refused none of {result.Inputs} inputs: its generator makes nothing invalid");
    }
}
