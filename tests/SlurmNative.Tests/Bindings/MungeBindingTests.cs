using System.Diagnostics;

namespace SlurmNative.Tests.Bindings;

/// <summary>libmunge through the bindings; none of these needs a running munged.</summary>
public sealed class MungeBindingTests
{
    [Fact]
    public void StrerrorGivesMungesText()
    {
        Assert.Equal("Success", Interop.Munge.GetErrorString(Interop.Munge.EMUNGE_SUCCESS));
        Assert.Equal("Expired credential", Interop.Munge.GetErrorString(Interop.Munge.EMUNGE_CRED_EXPIRED));
        Assert.Equal("Replayed credential", Interop.Munge.GetErrorString(Interop.Munge.EMUNGE_CRED_REPLAYED));
        Assert.Equal("Unauthorized credential", Interop.Munge.GetErrorString(Interop.Munge.EMUNGE_CRED_UNAUTHORIZED));
    }

    [Fact]
    public void ContextOptionsRoundTrip()
    {
        using var context = SafeMungeContextHandle.Create();
        context.Socket = "/tmp/slurmnative-test-munge.socket";
        Assert.Equal("/tmp/slurmnative-test-munge.socket", context.Socket);
        context.TimeToLive = 60;
        Assert.Equal(60, context.TimeToLive);
        context.UidRestriction = 1234;
        Assert.Equal(1234u, context.UidRestriction);
        context.GidRestriction = Interop.Munge.MUNGE_GID_ANY;
        Assert.Equal(Interop.Munge.MUNGE_GID_ANY, context.GidRestriction);
        context.Dispose();
        Assert.True(context.IsClosed);
    }

    [Fact]
    public void EncodeWithoutADaemonFailsFastWithTheReason()
    {
        using var context = SafeMungeContextHandle.Create();
        string socket = $"/tmp/slurmnative-no-munged-{Guid.NewGuid():N}.socket";
        context.Socket = socket;
        var clock = Stopwatch.StartNew();
        var error = Assert.Throws<MungeException>(() => context.Encode("payload"u8));
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(5), $"munge_encode took {clock.Elapsed}");
        Assert.Equal(MungeError.Socket, error.Error);
        // munge_ctx_strerror names the socket; munge_strerror alone would only say "Socket communication error".
        Assert.Contains(socket, error.LibraryMessage);
    }

    [Fact]
    public void ErrorEnumMatchesTheConstants()
    {
        Assert.Equal(Interop.Munge.EMUNGE_CRED_REPLAYED, (int)MungeError.CredentialReplayed);
        Assert.Equal(Interop.Munge.EMUNGE_SOCKET, (int)MungeError.Socket);
    }
}
