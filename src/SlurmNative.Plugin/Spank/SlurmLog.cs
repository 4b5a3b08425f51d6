namespace SlurmNative.Plugin.Spank;

internal sealed class SlurmLog : IPluginLog
{
    public static readonly SlurmLog Instance = new();

    public void Error(string message) => Interop.Shim.Log(Interop.Shim.SLURMNATIVE_LOG_ERROR, message);

    public void User(string message) => Interop.Shim.Log(Interop.Shim.SLURMNATIVE_LOG_USER, message);

    public void Info(string message) => Interop.Shim.Log(Interop.Shim.SLURMNATIVE_LOG_INFO, message);

    public void Verbose(string message) => Interop.Shim.Log(Interop.Shim.SLURMNATIVE_LOG_VERBOSE, message);

    public void Debug(string message) => Interop.Shim.Log(Interop.Shim.SLURMNATIVE_LOG_DEBUG, message);
}
