using System.Globalization;
using System.Text.Json.Serialization;
using System.Text.Json;
using SlurmNative.CommandLine;
using SlurmNative.Credentials.Client;
using SlurmNative.Credentials.Configuration;
using SlurmNative.Credentials.Kerberos;
using SlurmNative.Credentials.Protocol;
using SlurmNative.Store.Keys;
using SlurmNative.Store;

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
