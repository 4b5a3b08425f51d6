using System.Globalization;
using System.Text.Json.Serialization;
using SlurmNative.CommandLine;
using SlurmNative.Credentials.Accounts;
using SlurmNative.Credentials.Client;
using SlurmNative.Credentials.Configuration;
using SlurmNative.Credentials.Kerberos;
using SlurmNative.Credentials.Protocol;
using SlurmNative.Store.Keys;
using SlurmNative.Store;

namespace SlurmNative.Cli;

[JsonSerializable(typeof(List<ListRow>))]
[JsonSourceGenerationOptions(WriteIndented = true, PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower)]
internal sealed partial class CliJson : JsonSerializerContext;
