using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Console;

namespace SlurmNative.Daemon.Logging;

/// <summary>
/// The daemon's log: Microsoft.Extensions.Logging's console logger with its systemd formatter, one line per
/// event on stderr with the syslog priority prefix journald reads (sd-daemon(3)), so the same output works under
/// systemd, in a container, or a terminal. Built without the generic host: the daemon has its own lifecycle
/// (signals, reload), and the host's configuration and dependency injection would only add to its start.
/// Dispose it last: the console logger writes from a queue, and disposing flushes it.
/// </summary>
public sealed class JournalLog : IDaemonLog, IDisposable
{
    /// <summary>The category every line carries: the program's name.</summary>
    public const string Category = "slurmnatived";

    private readonly ILoggerFactory factory;
    private readonly ILogger logger;

    public JournalLog(bool debug)
    {
        factory = LoggerFactory.Create(logging => logging
            .SetMinimumLevel(debug ? LogLevel.Debug : LogLevel.Information)
            .AddConsole(options => options.LogToStandardErrorThreshold = LogLevel.Trace)
            .AddSystemdConsole(options =>
            {
                options.IncludeScopes = false;
                options.TimestampFormat = null;     // journald stamps each line itself
            }));
        logger = factory.CreateLogger(Category);
        DebugEnabled = debug;
    }

    public bool DebugEnabled { get; }

    public void Error(string message) => Write(LogLevel.Error, message);
    public void Warning(string message) => Write(LogLevel.Warning, message);
    public void Info(string message) => Write(LogLevel.Information, message);
    public void Debug(string message) => Write(LogLevel.Debug, message);

    private void Write(LogLevel level, string message)
    {
        if (!logger.IsEnabled(level))
            return;
        // One line per event: a line break inside a message could forge a log line.
        logger.Log(level, default, message.ReplaceLineEndings(" "), null, static (text, _) => text);
    }

    public void Dispose() => factory.Dispose();
}
