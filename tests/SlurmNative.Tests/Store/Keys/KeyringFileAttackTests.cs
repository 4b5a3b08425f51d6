using System.Security.Cryptography;
using SlurmNative.Store.Keys;
using SlurmNative.Tests.TestSupport;

namespace SlurmNative.Tests.Store.Keys;

/// <summary>The key file that seals every stored ticket, against someone who can reach its directory.</summary>
public sealed class KeyringFileAttackTests : IDisposable
{
    private readonly TempDirectory dir = new();

    public void Dispose() => dir.Dispose();

    private static string KeyLine(string id) => $"{id} {Convert.ToBase64String(RandomNumberGenerator.GetBytes(Keyring.KeySize))}\n";

    [Fact]
    public void A_symlink_planted_at_the_key_path_is_neither_read_nor_written_through()
    {
        string path = dir.File("keys");
        string decoy = Attacker.PlantSymlink(path, KeyLine("attacker"));
        string planted = File.ReadAllText(decoy);

        Assert.Contains("symbolic link", Assert.Throws<KeyringException>(() => Keyring.Load(path)).Message, StringComparison.Ordinal);
        Assert.Contains("symbolic link", Assert.Throws<KeyringException>(() => Keyring.AddNewFirstKey(path)).Message, StringComparison.Ordinal);
        Assert.Contains("symbolic link", Assert.Throws<KeyringException>(() => Keyring.Generate(path, force: true)).Message, StringComparison.Ordinal);
        Assert.Contains("symbolic link", Assert.Throws<KeyringException>(() => Keyring.Generate(path, force: false)).Message, StringComparison.Ordinal);
        Assert.Equal(planted, File.ReadAllText(decoy));
        Assert.NotNull(new FileInfo(path).LinkTarget);
    }

    [Theory]
    [MemberData(nameof(Attacker.LooseBits), MemberType = typeof(Attacker))]
    public void A_key_file_with_group_or_other_bits_is_refused(UnixFileMode loose)
    {
        string path = dir.Write("keys", KeyLine("k"), UnixFileMode.UserRead | UnixFileMode.UserWrite | loose);
        KeyringException e = Assert.Throws<KeyringException>(() => Keyring.Load(path));
        Assert.Contains($"run 'chmod 600 {path}'", e.Message, StringComparison.Ordinal);
        Assert.Throws<KeyringException>(() => Keyring.AddNewFirstKey(path));
    }

    [Fact]
    public void A_key_file_not_owned_by_the_expected_user_is_refused()
    {
        string path = dir.Write("keys", KeyLine("k"));
        Assert.Contains($"belongs to uid {Interop.Libc.geteuid()}", Assert.Throws<KeyringException>(() => Keyring.Load(path, Attacker.Stranger)).Message, StringComparison.Ordinal);
    }

    [RootFact]
    public void A_key_file_owned_by_another_user_is_refused()
    {
        string path = dir.Write("keys", KeyLine("k"));
        Attacker.HandTo(path, Attacker.Stranger);
        Assert.Contains($"belongs to uid {Attacker.Stranger}", Assert.Throws<KeyringException>(() => Keyring.Load(path)).Message, StringComparison.Ordinal);
        Assert.Throws<KeyringException>(() => Keyring.AddNewFirstKey(path));
    }

    [Fact]
    public void A_crash_while_adding_a_key_leaves_the_old_key_file_intact()
    {
        string path = dir.File("keys");
        string first = Keyring.Generate(path, force: false);
        string before = File.ReadAllText(path);

        Assert.Throws<IOException>(() => Keyring.AddNewFirstKey(path, Attacker.CrashBeforeRename));

        Assert.Equal(before, File.ReadAllText(path));
        Assert.Equal([first], Keyring.Load(path).KeyIds);
        Attacker.OnlyThese(dir.Path, path);
    }

    [Fact]
    public void A_crash_while_replacing_the_key_file_leaves_the_old_one_intact()
    {
        string path = dir.File("keys");
        string first = Keyring.Generate(path, force: false);
        string before = File.ReadAllText(path);

        Assert.Throws<IOException>(() => Keyring.Generate(path, force: true, Attacker.CrashBeforeRename));

        Assert.Equal(before, File.ReadAllText(path));
        Assert.Equal(first, Keyring.Load(path).PrimaryKeyId);
        Attacker.OnlyThese(dir.Path, path);
    }

    [Fact]
    public void A_crash_while_creating_the_key_file_leaves_no_file()
    {
        string path = dir.File("keys");
        Assert.Throws<IOException>(() => Keyring.Generate(path, force: false, Attacker.CrashBeforeRename));
        Attacker.OnlyThese(dir.Path);
    }
}
