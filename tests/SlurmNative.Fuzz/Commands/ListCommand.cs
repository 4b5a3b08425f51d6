using SlurmNative.Fuzz.Targets;

namespace SlurmNative.Fuzz.Commands;

/// <summary>Prints every target with what it parses, its documented error and its memory bound.</summary>
internal static class ListCommand
{
    public static int Run()
    {
        foreach (string name in FuzzTargets.Names)
        {
            var target = FuzzTargets.Create(name);
            Console.WriteLine($"{name,-18} {target.Description}; refuses with {target.RefusalType?.Name ?? "a no answer"}; memory: {target.AllocationBoundText}");
        }
        return 0;
    }
}
