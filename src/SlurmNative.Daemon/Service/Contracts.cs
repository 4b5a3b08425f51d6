using System.Net;
using SlurmNative.Credentials.Kerberos;
using SlurmNative.Daemon.Acl;

namespace SlurmNative.Daemon.Service;

/// <summary>The caller's identity as MUNGE proved it, and the payload MUNGE decrypted.</summary>
public sealed record AuthenticatedPayload(uint Uid, uint Gid, byte[] Payload);

/// <summary>Turns a request's credential into a proven identity (MUNGE in production).</summary>
public interface IRequestAuthenticator
{
    /// <exception cref="SlurmNative.Credentials.Protocol.ProtocolException">with status Unauthenticated and the reason.</exception>
    AuthenticatedPayload Authenticate(byte[] credential);
}

/// <summary>Reads an uploaded credential (libkrb5 in production) and maps its client principal to a local UID.</summary>
public interface ITicketInspector
{
    /// <exception cref="FormatException">when the bytes are not one Kerberos credential.</exception>
    TicketFacts Inspect(byte[] ticket);
}

/// <summary>Resolves names and groups for the ACL (the name service in production).</summary>
public interface IIdentityResolver
{
    Caller Resolve(uint uid, uint gid, IPAddress? address);
}
