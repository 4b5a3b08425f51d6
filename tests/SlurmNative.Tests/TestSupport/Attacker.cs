using Microsoft.Win32.SafeHandles;

namespace SlurmNative.Tests.TestSupport;

/// <summary>What someone with a foothold next to a secret file tries: links, loose modes, foreign owners, a crash mid-write.</summary>
internal static class Attacker
{
    /// <summary>A uid no account on a test machine has.</summary>
    public const uint Stranger = 54321;

    /// <summary>Permission bits a private file must not have, each alone and two together.</summary>
    public static TheoryData<UnixFileMode> LooseBits() =>
    [
        UnixFileMode.GroupRead, UnixFileMode.GroupWrite, UnixFileMode.GroupExecute,
        UnixFileMode.OtherRead, UnixFileMode.OtherWrite, UnixFileMode.OtherExecute,
        UnixFileMode.GroupRead | UnixFileMode.OtherRead,
    ];

    /// <summary>A crash between writing the temporary file and renaming it into place.</summary>
    public static void CrashBeforeRename(string temp)
    {
        Assert.True(File.Exists(temp));
        throw new IOException("crash after the new file was written, before it replaced the old one (simulated)");
    }

    /// <summary>Puts a symlink at <paramref name="path"/> to a file the attacker controls, private and owned like the real one.</summary>
    public static string PlantSymlink(string path, string content)
    {
        string decoy = path + ".attacker";
        File.WriteAllText(decoy, content);
        File.SetUnixFileMode(decoy, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        File.CreateSymbolicLink(path, decoy);
        return decoy;
    }

    public static void HandTo(string path, uint uid)
    {
        using SafeFileHandle handle = File.OpenHandle(path, FileMode.Open, FileAccess.Read);
        Assert.Equal(0, Interop.Libc.fchown(handle, uid, uid));
    }

    /// <summary>Everything in <paramref name="directory"/> besides <paramref name="expected"/>: a temporary file left behind shows up here.</summary>
    public static void OnlyThese(string directory, params string[] expected) =>
        Assert.Equal(expected.Order(StringComparer.Ordinal), Directory.GetFileSystemEntries(directory).Order(StringComparer.Ordinal));
}
