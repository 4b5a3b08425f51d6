namespace SlurmNative.Credentials.Audit;

public enum AuditDestinationKind
{
    Off,
    Syslog,
    Journal,
    File,
}
