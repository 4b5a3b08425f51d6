namespace SlurmNative.Gateway.Sessions;

internal sealed class TooManySessionsException(string message) : Exception(message);
