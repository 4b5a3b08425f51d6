using Microsoft.Extensions.Logging.Console;
using Microsoft.Extensions.Options;

namespace SlurmNative.Daemon.Logging;

/// <summary>The console logger's options, set once at start and never reloaded: all it needs, without a service container.</summary>
internal sealed class FixedConsoleOptions(ConsoleLoggerOptions value) : IOptionsMonitor<ConsoleLoggerOptions>
{
    public ConsoleLoggerOptions CurrentValue => value;

    public ConsoleLoggerOptions Get(string? name) => value;

    public IDisposable? OnChange(Action<ConsoleLoggerOptions, string?> listener) => null;
}
