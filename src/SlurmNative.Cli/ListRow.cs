using System.Globalization;
using System.Text.Json.Serialization;
using System.Text.Json;
using SlurmNative.CommandLine;
using SlurmNative.Credentials.Accounts;
using SlurmNative.Credentials.Client;
using SlurmNative.Credentials.Configuration;
using SlurmNative.Credentials.Kerberos;
using SlurmNative.Credentials.Protocol;
using SlurmNative.Store.Keys;
using SlurmNative.Store;

namespace SlurmNative.Cli;

internal sealed record ListRow(uint Uid, string? User, string Principal, DateTimeOffset Start, DateTimeOffset End, DateTimeOffset RenewTill);
