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

    private readonly ConsoleLoggerProvider console;
    private readonly ILoggerFactory factory;
    private readonly ILogger logger;

    public JournalLog(bool debug)
    {
        // Built by hand rather than through LoggerFactory.Create, whose service container is start-up work the
        // daemon has no use for. The provider's own systemd formatter, with its defaults (no scopes, no
        // timestamp: journald stamps each line itself), is the one named here.
        console = new ConsoleLoggerProvider(new FixedConsoleOptions(new ConsoleLoggerOptions
        {
            FormatterName = ConsoleFormatterNames.Systemd,
            LogToStandardErrorThreshold = LogLevel.Trace,
        }));
        factory = new LoggerFactory([console], new LoggerFilterOptions { MinLevel = debug ? LogLevel.Debug : LogLevel.Information });
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

    public void Dispose()
    {
        factory.Dispose();
        // The factory leaves providers it was given to their owner; disposing this one flushes its queue.
        console.Dispose();
    }
}
