namespace SlurmNative.Gateway.Login;

/// <summary>Where a logged-in user's ticket goes so that their jobs find it on the nodes.</summary>
internal interface ITicketStore
{
    void Store(uint uid, byte[] credential);
}
