using System.Security.Cryptography;

namespace SlurmNative.Fuzz.Engine;

/// <summary>
/// tests/fuzz-corpus/&lt;target&gt;/: every input that ever failed a target, named by its hash.
/// The regression tests replay each one; the campaigns use them as seeds.
/// </summary>
public static class CrashCorpus
{
    public static string Root { get; } = Path.Combine(RepositoryRoot(), "tests", "fuzz-corpus");

    public static string DirectoryOf(FuzzTarget target) => Path.Combine(Root, target.Name);

    public static IReadOnlyList<byte[]> Load(FuzzTarget target)
    {
        string directory = DirectoryOf(target);
        if (!Directory.Exists(directory))
            return [];
        return Directory.GetFiles(directory).Order(StringComparer.Ordinal).Select(File.ReadAllBytes).ToList();
    }

    /// <summary>All saved inputs as (target name, file name) pairs, for the regression theory.</summary>
    public static IEnumerable<(string Target, string File)> Entries() =>
        Directory.Exists(Root)
            ? Directory.GetDirectories(Root).Order(StringComparer.Ordinal)
                .SelectMany(d => Directory.GetFiles(d).Order(StringComparer.Ordinal).Select(f => (Path.GetFileName(d), Path.GetFileName(f))))
            : [];

    /// <returns>the path written (or already there).</returns>
    public static string Save(FuzzTarget target, byte[] input)
    {
        string directory = DirectoryOf(target);
        Directory.CreateDirectory(directory);
        string path = Path.Combine(directory, Convert.ToHexStringLower(SHA256.HashData(input))[..16] + ".bin");
        if (!File.Exists(path))
            File.WriteAllBytes(path, input);
        return path;
    }

    private static string RepositoryRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "SlurmNative.sln")))
                return dir.FullName;
        }
        throw new InvalidOperationException($"no SlurmNative.sln above {AppContext.BaseDirectory}: run the fuzzer from its build output in the repository");
    }
}
