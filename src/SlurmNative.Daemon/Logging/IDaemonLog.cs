namespace SlurmNative.Daemon.Logging;

/// <summary>What the daemon's parts log through; callers pass descriptions, never credential bytes.</summary>
public interface IDaemonLog
{
    void Error(string message);
    void Warning(string message);
    void Info(string message);
    void Debug(string message);

    /// <summary>Whether <see cref="Debug"/> writes anything: lets a hot path skip building a message nobody reads.</summary>
    bool DebugEnabled => true;
}
