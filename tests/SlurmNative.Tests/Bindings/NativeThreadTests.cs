namespace SlurmNative.Tests.Bindings;

/// <summary>Threads started with pthread_create through the bindings, as the plugin's upload and renewal threads are.</summary>
public sealed class NativeThreadTests
{
    [Fact]
    public void RunsTheBodyOnAnotherOsThreadAndJoins()
    {
        int caller = Environment.CurrentManagedThreadId;
        int? body = null;
        NativeThread thread = NativeThread.Start(() => body = Environment.CurrentManagedThreadId);

        Assert.True(thread.Join(TimeSpan.FromSeconds(10)));
        Assert.False(thread.IsAlive);
        Assert.NotNull(body);
        Assert.NotEqual(caller, body);
    }

    [Fact]
    public void JoinTimesOutWhileTheBodyRunsAndSucceedsOnceItEnds()
    {
        using var release = new ManualResetEventSlim();
        NativeThread thread = NativeThread.Start(() => release.Wait());

        Assert.False(thread.Join(TimeSpan.FromMilliseconds(50)));
        Assert.True(thread.IsAlive);
        release.Set();
        Assert.True(thread.Join(TimeSpan.FromSeconds(10)));
    }

    [Fact]
    public void AnExceptionEscapingTheBodyEndsTheThreadQuietly()
    {
        NativeThread thread = NativeThread.Start(() => throw new InvalidOperationException("lost on purpose"));

        // The test host would die if the exception reached the pthread's frames.
        Assert.True(thread.Join(TimeSpan.FromSeconds(10)));
        Assert.False(thread.IsAlive);
    }
}
