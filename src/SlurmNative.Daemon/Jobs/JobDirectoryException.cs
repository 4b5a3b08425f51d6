namespace SlurmNative.Daemon.Jobs;

/// <summary>slurmctld could not tell where a job runs; the message says why and what to check.</summary>
public sealed class JobDirectoryException(string message) : Exception(message);
