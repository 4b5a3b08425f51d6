using SlurmNative.Credentials.Kerberos;

namespace SlurmNative.Daemon.Service;

/// <summary>Reads an uploaded credential (libkrb5 in production) and maps its client principal to a local UID.</summary>
public interface ITicketInspector
{
    /// <exception cref="FormatException">when the bytes are not one Kerberos credential.</exception>
    TicketFacts Inspect(byte[] ticket);
}
