namespace SlurmNative.Gateway.Configuration;

internal sealed class GatewaySettingsException(string message) : Exception(message);
