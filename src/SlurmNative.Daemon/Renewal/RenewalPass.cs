namespace SlurmNative.Daemon.Renewal;

public sealed record RenewalPass(int Due, int Renewed, int Dropped, int Deferred);
