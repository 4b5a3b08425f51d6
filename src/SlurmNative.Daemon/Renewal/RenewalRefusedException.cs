using SlurmNative.Daemon.Logging;
using SlurmNative.Daemon.Observability;
using SlurmNative.Daemon.Service;
using SlurmNative.Store;

namespace SlurmNative.Daemon.Renewal;

public sealed class RenewalRefusedException(string message) : Exception(message);
