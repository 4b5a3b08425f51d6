using SlurmNative.Store;

namespace SlurmNative.Daemon.Logging;

/// <summary>What the daemon's parts log through; callers pass descriptions, never credential bytes.</summary>
public interface IDaemonLog : IStoreLog
{
    void Error(string message);

    /// <summary>Whether <see cref="Debug"/> writes anything: lets a hot path skip building a message nobody reads.</summary>
    bool DebugEnabled => true;
}
