using System.Runtime.InteropServices;

namespace SlurmNative;

/// <summary>
/// A background thread started with pthread_create instead of <see cref="Thread"/>.
/// NativeAOT's Thread.Start spins in sched_yield until the new thread is running; srun
/// and slurmstepd would pay that wait on their critical path, longest on a busy machine
/// with few cores. A pthread returns at once, and the runtime attaches it when
/// it first enters managed code. The body must handle its own exceptions: one escaping
/// it is swallowed here, since an unhandled one would kill the host (srun, slurmstepd).
/// </summary>
internal sealed class NativeThread
{
    // A joiner blocks at once instead of spinning: on a small node the spin competes for a
    // core with the very thread it waits for.
    private readonly ManualResetEventSlim finished = new(initialState: false, spinCount: 0);

    private NativeThread()
    {
    }

    public bool IsAlive => !finished.IsSet;

    /// <exception cref="InvalidOperationException">pthread_create failed (EAGAIN: the process or user is at its thread limit).</exception>
    public static unsafe NativeThread Start(Action body)
    {
        var thread = new NativeThread();
        GCHandle work = GCHandle.Alloc(new Work(body, thread.finished));
        int error = Interop.Libc.pthread_create(out nuint id, 0, &Run, GCHandle.ToIntPtr(work));
        if (error != 0)
        {
            work.Free();
            throw new InvalidOperationException(Interop.Libc.Describe(error, "pthread_create"));
        }
        Interop.Libc.pthread_detach(id);
        return thread;
    }

    /// <returns>false if the body is still running after <paramref name="timeout"/>.</returns>
    public bool Join(TimeSpan timeout) => finished.Wait(timeout);

    public void Join() => finished.Wait();

    [UnmanagedCallersOnly]
    private static nint Run(nint state)
    {
        GCHandle handle = GCHandle.FromIntPtr(state);
        var work = (Work)handle.Target!;
        handle.Free();
        try
        {
            work.Body();
        }
        catch
        {
            // Bodies report their own failures; nothing may unwind into a pthread of the host.
        }
        finally
        {
            work.Finished.Set();
        }
        return 0;
    }

    private sealed class Work(Action body, ManualResetEventSlim finished)
    {
        public Action Body { get; } = body;

        public ManualResetEventSlim Finished { get; } = finished;
    }
}
