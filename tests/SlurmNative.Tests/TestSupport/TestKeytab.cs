namespace SlurmNative.Tests.TestSupport;

/// <summary>Keytabs made by MIT's own ktutil, without a KDC: a key derived from a password for one principal.</summary>
public static class TestKeytab
{
    /// <summary>Writes <paramref name="path"/> with one aes256 key for <paramref name="principal"/> (kvno <paramref name="kvno"/>).</summary>
    public static void Create(string path, string principal, int kvno = 1)
    {
        string password = Convert.ToHexString(System.Security.Cryptography.RandomNumberGenerator.GetBytes(16));
        // ktutil reads the commands, and the password after addent, from stdin.
        CommandResult result = Command.Run("/bin/sh", ["-c", "printf 'addent -password -p %s -k %s -e aes256-cts-hmac-sha1-96\\n%s\\nwkt %s\\nquit\\n' \"$1\" \"$2\" \"$3\" \"$4\" | ktutil",
            "sh", principal, kvno.ToString(System.Globalization.CultureInfo.InvariantCulture), password, path]);
        result.EnsureSuccess($"ktutil for {principal}");
        if (!File.Exists(path))
            throw new InvalidOperationException($"ktutil wrote no {path}:\n{result.Output}");
    }
}
