namespace SlurmNative.Credentials.Client;

/// <summary>No configured daemon gave an authenticated answer within the timeout.</summary>
public sealed class DaemonUnreachableException(string message) : Exception(message);
