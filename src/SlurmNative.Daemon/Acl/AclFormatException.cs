namespace SlurmNative.Daemon.Acl;

public sealed class AclFormatException(string message) : Exception(message);
