using System.CommandLine;

namespace SlurmNative.CommandLine;

/// <summary>
/// How slurmnative, slurmnatived and slurmnative-gateway report a command line they cannot parse: each of
/// System.CommandLine's messages prefixed with the program's name, then where the full usage is, and exit
/// code 2 (System.CommandLine's own 1 means "refused" to the CLI's callers).
/// </summary>
public static class CommandLineErrors
{
    public const int UsageExitCode = 2;

    /// <summary>True, after writing the messages to stderr, when <paramref name="parsed"/> has errors.</summary>
    public static bool Report(ParseResult parsed, string program)
    {
        if (parsed.Errors.Count == 0)
            return false;
        foreach (var error in parsed.Errors)
            Console.Error.WriteLine($"{program}: {error.Message}");
        Console.Error.WriteLine($"see: {program} --help");
        return true;
    }
}
