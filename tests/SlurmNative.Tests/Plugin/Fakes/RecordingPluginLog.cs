using SlurmNative.Plugin.Spank;

namespace SlurmNative.Tests.Plugin.Fakes;

/// <summary>Slurm's log, kept: each line prefixed with its level.</summary>
internal sealed class RecordingPluginLog : IPluginLog
{
    public List<string> Lines { get; } = [];
    public void Error(string message) => Add("error: " + message);
    public void User(string message) => Add("user: " + message);
    public void Info(string message) => Add("info: " + message);
    public void Verbose(string message) => Add("verbose: " + message);
    public void Debug(string message) => Add("debug: " + message);
    public string All
    {
        get
        {
            lock (Lines)
                return string.Join('\n', Lines);
        }
    }

    // Renewal threads log too.
    private void Add(string line)
    {
        lock (Lines)
            Lines.Add(line);
    }
}
