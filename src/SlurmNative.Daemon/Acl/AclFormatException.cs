using System.Net;
using SlurmNative.Credentials.Protocol;

namespace SlurmNative.Daemon.Acl;

public sealed class AclFormatException(string message) : Exception(message);
