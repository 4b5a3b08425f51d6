using System.Buffers.Binary;
using SlurmNative.Credentials.Client;

namespace SlurmNative.Tests.Daemon.Fakes;

/// <summary>
/// Stand-ins for MUNGE: a "credential" is uid, gid and the payload in clear. Only
/// for unit tests of the daemon's logic; the integration tests use real munged.
/// </summary>
internal sealed class FakeSigner(uint uid, uint gid = 100) : IRequestSigner
{
    public byte[] Sign(byte[] payload)
    {
        var credential = new byte[8 + payload.Length];
        BinaryPrimitives.WriteUInt32BigEndian(credential, uid);
        BinaryPrimitives.WriteUInt32BigEndian(credential.AsSpan(4), gid);
        payload.CopyTo(credential, 8);
        return credential;
    }
}
