namespace SlurmNative.Credentials.SecretFiles;

/// <summary>How <see cref="SecretFile.Write"/> puts a file that holds a key in place.</summary>
/// <param name="Mode">the new file's exact mode, whatever the umask.</param>
/// <param name="Replace">replace an existing file; without it an existing file is refused.</param>
/// <param name="ExistsHint">what to do instead when the file exists and may not be replaced.</param>
/// <param name="Owner">uid and gid to give the file; null leaves it to the caller (or see <paramref name="KeepOwner"/>).</param>
/// <param name="KeepOwner">without <paramref name="Owner"/>, a replaced file's owner and group are kept: an update run as root does not take the file from its service.</param>
/// <param name="KeepGroupRead">without <paramref name="Owner"/>, a replaced file its group could read stays readable by that group.</param>
public sealed record SecretFileWrite(
    UnixFileMode Mode,
    bool Replace,
    string ExistsHint,
    (uint Uid, uint Gid)? Owner = null,
    bool KeepOwner = false,
    bool KeepGroupRead = false)
{
    public const UnixFileMode Private = UnixFileMode.UserRead | UnixFileMode.UserWrite;
}
