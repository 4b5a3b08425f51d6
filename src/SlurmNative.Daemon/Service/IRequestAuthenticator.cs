namespace SlurmNative.Daemon.Service;

/// <summary>Turns a request's credential into a proven identity (MUNGE in production).</summary>
public interface IRequestAuthenticator
{
    /// <exception cref="SlurmNative.Credentials.Protocol.ProtocolException">with status Unauthenticated and the reason.</exception>
    AuthenticatedPayload Authenticate(byte[] credential);
}
