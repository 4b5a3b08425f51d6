namespace SlurmNative.Credentials.Configuration;

public sealed class ConfigException(string message) : Exception(message);
