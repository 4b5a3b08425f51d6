using System.Text.Json;
using System.Text.Json.Serialization;
using SlurmNative.Credentials.Audit;
using SlurmNative.Credentials.Configuration;

namespace SlurmNative.Gateway.Configuration;

internal sealed class GatewaySettingsException(string message) : Exception(message);
