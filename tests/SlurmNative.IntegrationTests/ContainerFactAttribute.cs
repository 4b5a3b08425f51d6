namespace SlurmNative.IntegrationTests;

/// <summary>
/// A test that needs a container engine: reported as skipped, with the reason, on a machine
/// without podman (or docker) or when not run as root, never as passed.
/// </summary>
public sealed class ContainerFactAttribute : FactAttribute
{
    /// <summary>The engine container/cluster.sh picks: SN_ENGINE, else podman, else docker.</summary>
    public static string? Engine { get; } =
        Environment.GetEnvironmentVariable("SN_ENGINE") is { Length: > 0 } chosen ? chosen
        : OnPath("podman") ? "podman"
        : OnPath("docker") ? "docker"
        : null;

    public ContainerFactAttribute()
    {
        if (Engine is null)
            Skip = "neither podman nor docker is installed (apt-get install podman runc mmdebstrap), so the container cluster cannot run here";
        else if (Environment.UserName != "root")
            Skip = "the container cluster runs rootful podman or docker: run the tests as root";
    }

    private static bool OnPath(string program) =>
        (Environment.GetEnvironmentVariable("PATH") ?? "")
            .Split(':', StringSplitOptions.RemoveEmptyEntries)
            .Any(dir => File.Exists(Path.Combine(dir, program)));
}
