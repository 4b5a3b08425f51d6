using System.Net;
using SlurmNative.Daemon.Acl;
using SlurmNative.Daemon.Service;

namespace SlurmNative.Tests.Daemon.Fakes;

internal sealed class FakeIdentities : IIdentityResolver
{
    public static readonly Dictionary<uint, string> Names = new() { [0] = "root", [1001] = "alice", [1002] = "bob", [64030] = "slurm" };

    public Caller Resolve(uint uid, uint gid, IPAddress? address) =>
        new(uid, gid, Names.GetValueOrDefault(uid), new HashSet<string>(), address);
}
