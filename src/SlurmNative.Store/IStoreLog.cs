namespace SlurmNative.Store;

/// <summary>Where the stores report what their callers cannot see (a row skipped, a migration run); never credential bytes.</summary>
public interface IStoreLog
{
    void Warning(string message);
    void Info(string message);
    void Debug(string message);
}
