namespace SlurmNative.Plugin.Spank;

/// <summary>Slurm's logging, so messages carry Slurm's prefixes and land where Slurm's own do.</summary>
internal interface IPluginLog
{
    void Error(string message);

    /// <summary>Shown on the user's terminal without Slurm's "error:" prefix.</summary>
    void User(string message);

    void Info(string message);

    void Verbose(string message);

    void Debug(string message);
}
