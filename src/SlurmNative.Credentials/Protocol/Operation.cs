namespace SlurmNative.Credentials.Protocol;

public enum Operation : byte
{
    Ping = 1,
    Add = 2,
    Get = 3,
    Remove = 4,
    List = 5,
    /// <summary>An add whose credential stays stored while its owner has no jobs (<c>slurmnative add --keep</c>).</summary>
    AddAndKeep = 6,
}
