using System.Text;
using SlurmNative.Credentials.Protocol;

namespace SlurmNative.Daemon.Service;

/// <summary>
/// Decodes a request's MUNGE credential through the local munged, which checks the
/// cluster key, the credential's age and that it was never decoded before (replay).
/// </summary>
public sealed class MungeAuthenticator(string? socket) : IRequestAuthenticator
{
    public AuthenticatedPayload Authenticate(byte[] credential)
    {
        string text;
        try
        {
            text = Encoding.ASCII.GetString(credential);
        }
        catch (ArgumentException)
        {
            throw new ProtocolException(ReplyStatus.Unauthenticated, "request credential is not MUNGE text");
        }
        using var context = SafeMungeContextHandle.Create();
        if (socket is not null)
            context.Socket = socket;
        try
        {
            MungeCredential decoded = context.Decode(text);
            return new AuthenticatedPayload(decoded.Uid, decoded.Gid, decoded.Payload);
        }
        catch (MungeException e)
        {
            throw new ProtocolException(ReplyStatus.Unauthenticated, $"MUNGE refused the request credential: {e.LibraryMessage}");
        }
    }
}
