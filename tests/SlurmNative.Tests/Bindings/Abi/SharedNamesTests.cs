using System.Reflection;
using System.Text.RegularExpressions;
using SlurmNative.Tests.TestSupport;

namespace SlurmNative.Tests.Bindings.Abi;

/// <summary>
/// Every name the shim and the managed plugin share is defined once, in native/slurmnative_shim.h:
/// <see cref="AbiTests"/> checks that each Interop.Shim constant has the header's value; these check the
/// other way round (nothing in the header without its managed mirror) and that the C files use the macros.
/// </summary>
public sealed partial class SharedNamesTests
{
    private static string Native(string file) => Path.Combine(Repository.Root, "native", file);

    private static IReadOnlyDictionary<string, string> HeaderDefines() =>
        DefineLine().Matches(File.ReadAllText(Native("slurmnative_shim.h")))
            .Where(m => m.Groups["name"].Value != "SLURMNATIVE_SHIM_H")
            .ToDictionary(m => m.Groups["name"].Value, m => m.Groups["value"].Value.Trim());

    private static IEnumerable<FieldInfo> ShimConstants() =>
        typeof(Interop).GetNestedType("Shim", BindingFlags.NonPublic)!
            .GetFields(BindingFlags.NonPublic | BindingFlags.Static | BindingFlags.DeclaredOnly)
            .Where(f => f.IsLiteral);

    [Fact]
    public void EveryNameInTheHeaderHasAManagedMirror()
    {
        var managed = ShimConstants().Select(f => f.Name).ToHashSet(StringComparer.Ordinal);
        var defines = HeaderDefines();

        Assert.Contains("SLURMNATIVE_FORWARDED_VARIABLE", defines.Keys);
        Assert.Contains("SLURMNATIVE_HOOK_USER_INIT", defines.Keys);
        var missing = defines.Keys.Where(name => !managed.Contains(name)).Order().ToList();
        Assert.True(missing.Count == 0, "slurmnative_shim.h defines names bindings/Interop.Shim.cs lacks: " + string.Join(", ", missing));
    }

    [Fact]
    public void EveryManagedMirrorIsInTheHeader()
    {
        var defines = HeaderDefines();
        var extra = ShimConstants().Select(f => f.Name).Where(name => !defines.ContainsKey(name)).Order().ToList();
        Assert.True(extra.Count == 0, "bindings/Interop.Shim.cs has constants slurmnative_shim.h does not define: " + string.Join(", ", extra));
    }

    [Fact]
    public void TheShimSpellsNoSharedStringOutsideTheHeader()
    {
        // A shared string written out again in C would be a second definition the ABI test cannot see.
        string[] values = [.. HeaderDefines().Values.Where(v => v.StartsWith('"'))];
        Assert.Contains("\"SLURMNATIVE_KRB5_FORWARDED\"", values);
        foreach (string file in Directory.GetFiles(Path.Combine(Repository.Root, "native"), "*.c"))
        {
            string source = File.ReadAllText(file);
            var repeated = values.Where(v => source.Contains(v, StringComparison.Ordinal)).ToList();
            Assert.True(repeated.Count == 0, $"{Path.GetFileName(file)} spells {string.Join(", ", repeated)}; use the macro from slurmnative_shim.h");
        }
    }

    [GeneratedRegex(@"^#define\s+(?<name>SLURMNATIVE_\w+)(?<value>[^\n]*)$", RegexOptions.Multiline)]
    private static partial Regex DefineLine();
}
