using System.Text.Json;
using SlurmNative.Fuzz.Engine;

namespace SlurmNative.Fuzz.Targets.Jobs;

/// <summary>
/// A Slurm command's <c>--json</c> listing as the daemon reads it: text that is not JSON the daemon
/// reports before the parser sees it, so here it counts as refused; the rest goes to <see cref="Check"/>.
/// </summary>
internal abstract class JsonListingTarget(string name, string description, Type? refusalType, MemoryBound memory)
    : FuzzTarget(name, description, refusalType, memory)
{
    public sealed override Outcome Run(byte[] input)
    {
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(input);
        }
        catch (JsonException)
        {
            return Outcome.Refused;
        }
        using (document)
            Check(document.RootElement);
        return Outcome.Accepted;
    }

    /// <summary>Parses the listing and checks what was read.</summary>
    /// <exception cref="PropertyViolation">the parser kept something it should not have.</exception>
    protected abstract void Check(JsonElement listing);
}
