namespace SlurmNative.Tests.TestSupport;

/// <summary>Paths inside the checkout the tests run from.</summary>
public static class Repository
{
    public static string Root { get; } = FindRoot();

    /// <summary>The published plugin; <c>./build.sh build</c> makes it.</summary>
    public static string PluginPath
    {
        get
        {
            string path = Path.Combine(Root, "artifacts", "plugin", "slurmnative.so");
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
