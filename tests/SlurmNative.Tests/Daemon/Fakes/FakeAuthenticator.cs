using System.Buffers.Binary;
using System.Text;
using SlurmNative.Credentials.Protocol;
using SlurmNative.Daemon.Service;

namespace SlurmNative.Tests.Daemon.Fakes;

internal sealed class FakeAuthenticator : IRequestAuthenticator
{
    public AuthenticatedPayload Authenticate(byte[] credential)
    {
        if (credential.Length < 8 || Encoding.ASCII.GetString(credential).StartsWith("EXPIRED", StringComparison.Ordinal))
            throw new ProtocolException(ReplyStatus.Unauthenticated, "MUNGE credential expired");
        return new AuthenticatedPayload(BinaryPrimitives.ReadUInt32BigEndian(credential), BinaryPrimitives.ReadUInt32BigEndian(credential.AsSpan(4)), credential[8..]);
    }
}
