using System.Collections.Concurrent;
using SlurmNative.Daemon.Logging;

namespace SlurmNative.Tests.Daemon.Fakes;

internal sealed class RecordingDaemonLog : IDaemonLog
{
    public ConcurrentQueue<string> Lines { get; } = new();
    public void Error(string message) => Lines.Enqueue("error: " + message);
    public void Warning(string message) => Lines.Enqueue("warning: " + message);
    public void Info(string message) => Lines.Enqueue("info: " + message);
    public void Debug(string message) => Lines.Enqueue("debug: " + message);
}
