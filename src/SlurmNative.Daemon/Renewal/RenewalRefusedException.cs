namespace SlurmNative.Daemon.Renewal;

public sealed class RenewalRefusedException(string message) : Exception(message);
