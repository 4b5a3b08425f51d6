namespace SlurmNative.Plugin.Node;

/// <summary>A fetch signed in init_post_opt, exchanged with the daemon on a thread of its own.</summary>
internal sealed class EarlyFetch
{
    private readonly NativeThread thread;
    private byte[]? ticket;
    private Exception? failure;

    /// <exception cref="InvalidOperationException">no thread could be started.</exception>
    public EarlyFetch(uint uid, Func<byte[]> exchange)
    {
        Uid = uid;
        thread = NativeThread.Start(() =>
        {
            try
            {
                ticket = exchange();
            }
            catch (Exception e)
            {
                // Nothing may escape a thread inside slurmstepd; user_init decides what it means.
                failure = e;
            }
        });
    }

    public uint Uid { get; }

    /// <summary>Waits for the exchange, which the client timeout bounds per server.</summary>
    public byte[]? Wait(out Exception? error)
    {
        thread.Join();
        error = failure;
        return ticket;
    }
}
