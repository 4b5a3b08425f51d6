using SlurmNative.Store;

namespace SlurmNative.Daemon.Logging;

public interface IDaemonLog : IStoreLog
{
    void Error(string message);

    /// <summary>Whether <see cref="Debug"/> writes anything: lets a hot path skip building a message nobody reads.</summary>
    bool DebugEnabled => true;
}

/// <summary>
/// One line per event on stderr, with the syslog priority prefix journald reads
/// (sd-daemon(3)), so the same output works under systemd, in a container, or a terminal.
/// Callers pass descriptions, never credential bytes.
/// </summary>
public sealed class StderrLog(bool debug = false) : IDaemonLog
{
    private readonly Lock gate = new();

    public void Error(string message) => Write(3, message);
    public void Warning(string message) => Write(4, message);
    public void Info(string message) => Write(6, message);

    public bool DebugEnabled => debug;

    public void Debug(string message)
    {
        if (debug)
            Write(7, message);
    }

    private void Write(int priority, string message)
    {
        // One line per event: a newline inside a message could forge a log line.
        string line = $"<{priority}>{message.ReplaceLineEndings(" ")}";
        lock (gate)
            Console.Error.WriteLine(line);
    }
}
