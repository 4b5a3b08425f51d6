using System.Net;
using SlurmNative.Daemon.Acl;

namespace SlurmNative.Daemon.Service;

/// <summary>Resolves names and groups for the ACL (the name service in production).</summary>
public interface IIdentityResolver
{
    Caller Resolve(uint uid, uint gid, IPAddress? address);
}
