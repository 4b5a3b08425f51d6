using System.Text;

namespace SlurmNative.Credentials.Client;

/// <summary>
/// Wraps a request in a MUNGE credential: munged vouches for this process's UID and
/// GID, encrypts the payload for the cluster's key, and limits the credential's life.
/// The credential is restricted to the daemon's uid: MUNGE encrypts for the cluster, not
/// for a recipient, so without the restriction anyone holding the credential (a process
/// listening where the daemon should be) could decode the ticket and reply key inside.
/// </summary>
public sealed class MungeSigner(uint daemonUid, string? socket = null, int timeToLiveSeconds = 60) : IRequestSigner
{
    public byte[] Sign(byte[] payload)
    {
        // A munge context is not thread-safe and cheap to make: one per request.
        using var context = SafeMungeContextHandle.Create();
        try
        {
            if (socket is not null)
                context.Socket = socket;
            context.TimeToLive = timeToLiveSeconds;
            context.UidRestriction = daemonUid;
            return Encoding.ASCII.GetBytes(context.Encode(payload));
        }
        catch (MungeException e)
        {
            throw new DaemonUnreachableException($"MUNGE could not sign the request: {e.LibraryMessage}; check that munged runs{(socket is null ? "" : $" on {socket}")}");
        }
    }
}
