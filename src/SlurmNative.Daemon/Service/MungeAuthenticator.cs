using System.Security.Cryptography;
using System.Text;
using SlurmNative.Credentials.Protocol;

namespace SlurmNative.Daemon.Service;

/// <summary>
/// Decodes a request's MUNGE credential through the local munged, which checks the
/// cluster key, the credential's age and that it was never decoded before (replay), and
/// insists that the credential was restricted to <paramref name="daemonUid"/>: a client that
/// left it readable by any uid has exposed its reply key and payload to whoever held the bytes
/// on the way, so the request is refused rather than answered, and the client hears why.
/// </summary>
public sealed class MungeAuthenticator(string? socket, uint daemonUid) : IRequestAuthenticator
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
        MungeCredential decoded;
        uint restriction;
        try
        {
            decoded = context.Decode(text);
            restriction = context.UidRestriction;
        }
        catch (MungeException e) when (e.Error == MungeError.CredentialUnauthorized)
        {
            throw new ProtocolException(ReplyStatus.Unauthenticated, $"the request's MUNGE credential is restricted to another uid than this daemon's ({daemonUid}); set daemon_user in the client's slurmnative.conf to the user slurmnatived runs as");
        }
        catch (MungeException e)
        {
            throw new ProtocolException(ReplyStatus.Unauthenticated, $"MUNGE refused the request credential: {e.LibraryMessage}");
        }
        if (restriction != daemonUid)
        {
            CryptographicOperations.ZeroMemory(decoded.Payload);
            string readableBy = restriction == Interop.Munge.MUNGE_UID_ANY ? "any uid" : $"uid {restriction}";
            throw new ProtocolException(ReplyStatus.Unauthenticated,
                $"the request's MUNGE credential could be decoded by {readableBy}, not only by this daemon's (uid {daemonUid}), so anyone who saw it on the way could read what it carries; upgrade the client (protocol {Frame.Version} restricts requests to daemon_user) and check daemon_user in its slurmnative.conf");
        }
        return new AuthenticatedPayload(decoded.Uid, decoded.Gid, decoded.Payload);
    }
}
