using System.Security.Cryptography;
using SlurmNative.Gateway.Policy;

namespace SlurmNative.Gateway.Sessions;

internal sealed class TooManySessionsException(string message) : Exception(message);
