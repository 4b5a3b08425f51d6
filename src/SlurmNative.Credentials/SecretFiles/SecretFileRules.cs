using SlurmNative.Credentials.Accounts;

namespace SlurmNative.Credentials.SecretFiles;

/// <summary>
/// Who may own a file that holds a key and which permission bits it must not have. The checks
/// are the same for every such file (<see cref="SecretFile"/>); only these facts differ.
/// </summary>
/// <param name="Owners">the uids accepted as the file's owner: whoever owns the file can chmod it and rewrite what is trusted.</param>
/// <param name="OwnersText">those owners in words, for messages: "uid 0 (root) reading it".</param>
/// <param name="OwnerFix">what to run when the owner is wrong, given the path.</param>
/// <param name="Forbidden">permission bits the file must not have.</param>
/// <param name="ModeFix">what to run when it has some, given the path.</param>
public sealed record SecretFileRules(
    IReadOnlyCollection<uint> Owners,
    string OwnersText,
    Func<string, string> OwnerFix,
    UnixFileMode Forbidden,
    Func<string, string> ModeFix)
{
    public const UnixFileMode GroupOrOther = UnixFileMode.GroupRead | UnixFileMode.GroupWrite | UnixFileMode.GroupExecute
        | UnixFileMode.OtherRead | UnixFileMode.OtherWrite | UnixFileMode.OtherExecute;

    /// <summary>Owned by <paramref name="uid"/>, the user reading the file, and closed to everyone else (0600 or less).</summary>
    public static SecretFileRules PrivateTo(uint uid)
    {
        string name = UserDatabase.PasswdByUid(uid)?.Name ?? uid.ToString(System.Globalization.CultureInfo.InvariantCulture);
        return new SecretFileRules([uid], $"uid {uid}{SecretFile.NameSuffix(uid)} reading it",
            path => $"if its content is trusted, run 'chown {name} {path}'", GroupOrOther, path => $"run 'chmod 600 {path}'");
    }
}
