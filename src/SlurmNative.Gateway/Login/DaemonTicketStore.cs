using SlurmNative.Credentials.Client;
using SlurmNative.Credentials.Protocol;

namespace SlurmNative.Gateway.Login;

/// <summary>
/// slurmnatived, as the gateway's own MUNGE identity storing for <c>uid</c>: the daemon's ACL
/// must give the gateway the <c>gateway</c> role (or admin), and the daemon still checks that
/// the ticket's principal maps to that uid, so the gateway cannot file one user's ticket
/// under another.
/// </summary>
internal sealed class DaemonTicketStore(DaemonClient daemon) : ITicketStore
{
    public void Store(uint uid, byte[] credential) => daemon.Call(Request.Create(Operation.Add, uid, credential));
}
