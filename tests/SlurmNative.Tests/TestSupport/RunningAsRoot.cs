namespace SlurmNative.Tests.TestSupport;

/// <summary>Whether the tests run as root, which <c>./build.sh test</c> does.</summary>
public static class RunningAsRoot
{
    public static bool Value { get; } = Environment.UserName == "root";

    public const string Reason = "needs root (to chown files or run as another user): run the tests as ./build.sh test does, as root";
}
