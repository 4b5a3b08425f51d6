using System.Text;
using System.Text.Json;
using CsCheck;
using SlurmNative.Daemon.Jobs;
using SlurmNative.Fuzz.Engine;
using SlurmNative.Fuzz.Targets.Gateway;

namespace SlurmNative.Fuzz.Targets.Jobs;

/// <summary>
/// <c>sinfo --json</c> as the daemon reads it to learn which address each node fetches from. Only the
/// reading: resolving names is the system resolver's business, not a parser's.
/// </summary>
internal sealed class SinfoJsonTarget() : JsonListingTarget(
    "sinfo-json",
    "SlurmJobDirectory.ParseNodes: sinfo --json listings, node name and address",
    typeof(JobDirectoryException),
    new MemoryBound(64, Why: "JsonDocument's tables"))
{
    protected override void Check(JsonElement listing)
    {
        foreach ((string name, string address) in SlurmJobDirectory.ParseNodes(listing))
        {
            // The resolver answers "" with this host's own addresses.
            if (name.Length == 0 || address.Length == 0)
                throw new PropertyViolation($"node '{name}' was kept with the address '{address}'");
        }
    }

    public override IReadOnlyList<byte[]> Dictionary { get; } =
        JsonDictionary.Tokens.Concat(new[] { "\"nodes\"", "\"name\"", "\"address\"", "10.0.0.1", "::1" }.Select(Encoding.UTF8.GetBytes)).ToArray();

    private static readonly Gen<string> Node = Gens.JsonObject(
        Gens.Member("name", Gen.OneOf(Gen.OneOf("\"node1\"", "\"\"", "\"gpu5\""), Gens.JsonString)),
        Gens.Member("address", Gen.OneOf(Gen.OneOf("\"10.0.0.1\"", "\"::1\"", "\"node1.cluster\"", "\"\""), Gens.JsonString)),
        Gens.Member("state", Gens.JsonString))
        .Select(Encoding.UTF8.GetString);

    public override Gen<byte[]> Structured { get; } = Gen.Frequency(
        (8, Gens.JsonObject(Gens.Member("nodes", Gens.ListOrScalar(Node, 4)))),
        (1, Gens.JsonValue.Select(Encoding.UTF8.GetBytes)));
}
