using SlurmNative.Daemon.Crypto;

namespace SlurmNative.Daemon.Store;

/// <summary>
/// One credential as a database holds it: the clear facts the renewer and <c>list</c> need
/// (times in Unix seconds), and the ticket sealed under a key of the keyring.
/// </summary>
internal sealed record SealedRow(uint Uid, string Principal, long Start, long End, long RenewTill, uint Flags, SealedData Sealed, long Version)
{
    public override string ToString() => $"sealed credential of uid {Uid} ({Principal})";
}
