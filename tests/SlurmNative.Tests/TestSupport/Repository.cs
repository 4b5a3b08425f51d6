namespace SlurmNative.Tests.TestSupport;

/// <summary>Paths inside the checkout the tests run from.</summary>
public static class Repository
{
    public static string Root { get; } = FindRoot();

    /// <summary>
    /// The prefix of the Slurm the tests run against (<c>./build.sh test-slurm DIR</c> sets
    /// TESTBED_SLURM_PREFIX); null: the system's.
    /// </summary>
    public static string? SlurmPrefix { get; } = Environment.GetEnvironmentVariable("TESTBED_SLURM_PREFIX") is { Length: > 0 } prefix ? prefix : null;

    /// <summary>Where that Slurm's headers are: the directory holding slurm/spank.h.</summary>
    public static string SlurmIncludeDirectory => SlurmPrefix is null ? "/usr/include" : Path.Combine(SlurmPrefix, "include");

    /// <summary>
    /// The published plugin; <c>./build.sh build</c> makes it. SLURMNATIVE_PLUGIN names the one
    /// built for another Slurm (<c>artifacts/plugin/slurm-25.05/slurmnative.so</c>).
    /// </summary>
    public static string PluginPath
    {
        get
        {
            string path = Environment.GetEnvironmentVariable("SLURMNATIVE_PLUGIN") is { Length: > 0 } chosen
                ? chosen
                : Path.Combine(Root, "artifacts", "plugin", "slurmnative.so");
            if (!File.Exists(path))
                throw new InvalidOperationException($"{path} does not exist: run ./build.sh build first (the plugin is published with NativeAOT, which dotnet test does not do)");
            return path;
        }
    }

    private static string FindRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "SlurmNative.sln")))
                return dir.FullName;
        }
        throw new InvalidOperationException($"no SlurmNative.sln above {AppContext.BaseDirectory}");
    }
}
