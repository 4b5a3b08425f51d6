using SlurmNative.CommandLine;

namespace SlurmNative.Cli;

/// <summary>Exit codes, so scripts can tell a refusal from an outage from a usage error.</summary>
internal enum ExitCode
{
    Ok = 0,
    Refused = 1,
    Usage = CommandLineErrors.UsageExitCode,
    Unreachable = 3,
    NoTicket = 4,
}
