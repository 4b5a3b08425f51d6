using SlurmNative.Jwt;
using SlurmNative.Jwt.Files;
using SlurmNative.Jwt.Keys;
using SlurmNative.Tests.TestSupport;

namespace SlurmNative.Tests.Jwt.Files;

/// <summary>The JWT signing keys, against someone who can reach their directory.</summary>
public sealed class KeyFileAttackTests : IDisposable
{
    private const UnixFileMode Private = UnixFileMode.UserRead | UnixFileMode.UserWrite;

    private readonly TempDirectory dir = new();

    public void Dispose() => dir.Dispose();

    [Fact]
    public void A_symlink_planted_at_the_key_path_is_neither_read_nor_written_through()
    {
        string path = dir.File("jwt_hs256.key");
        string decoy = Attacker.PlantSymlink(path, new string('a', 32));

        Assert.Contains("symbolic link", Assert.Throws<JwtKeyException>(() => Hs256KeyFile.Load(path)).Message, StringComparison.Ordinal);
        Assert.Contains("symbolic link", Assert.Throws<JwtKeyException>(() => Hs256KeyFile.Create(path, force: true)).Message, StringComparison.Ordinal);
        Assert.Contains("symbolic link", Assert.Throws<JwtKeyException>(
            () => KeyFile.Write(path, "{}"u8, replace: true, KeyFileSecrecy.Public, null, "public JWKS")).Message, StringComparison.Ordinal);
        Assert.Equal(new string('a', 32), File.ReadAllText(decoy));
    }

    [Theory]
    [InlineData(UnixFileMode.GroupWrite)]
    [InlineData(UnixFileMode.GroupExecute)]
    [InlineData(UnixFileMode.OtherRead)]
    [InlineData(UnixFileMode.OtherWrite)]
    [InlineData(UnixFileMode.OtherExecute)]
    public void A_secret_key_with_group_write_or_any_other_bit_is_refused(UnixFileMode loose)
    {
        string path = dir.File("jwt_hs256.key");
        Hs256KeyFile.Create(path, force: false);
        File.SetUnixFileMode(path, Private | loose);
        Assert.Contains($"run 'chmod 600 {path}'", Assert.Throws<JwtKeyException>(() => Hs256KeyFile.Load(path)).Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(UnixFileMode.GroupWrite)]
    [InlineData(UnixFileMode.OtherWrite)]
    public void A_published_key_others_can_write_is_refused(UnixFileMode loose)
    {
        string path = dir.File("jwks.json");
        KeyFile.Write(path, "{}"u8, replace: false, KeyFileSecrecy.Public, null, "public JWKS");
        File.SetUnixFileMode(path, Private | UnixFileMode.GroupRead | UnixFileMode.OtherRead | loose);
        Assert.Contains($"run 'chmod go-w {path}'", Assert.Throws<JwtKeyException>(
            () => KeyFile.Read(path, KeyFileSecrecy.Public, null, 1024, "public JWKS", "create it")).Message, StringComparison.Ordinal);
    }

    [RootFact]
    public void A_key_owned_by_a_stranger_is_refused()
    {
        string path = dir.File("jwt_hs256.key");
        Hs256KeyFile.Create(path, force: false);
        Attacker.HandTo(path, Attacker.Stranger);
        Assert.Contains($"belongs to uid {Attacker.Stranger}", Assert.Throws<JwtKeyException>(() => Hs256KeyFile.Load(path)).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_crash_while_replacing_a_key_leaves_the_old_key_intact()
    {
        string path = dir.File("jwt_hs256.key");
        Hs256KeyFile.Create(path, force: false);
        byte[] before = File.ReadAllBytes(path);

        Assert.Throws<IOException>(() => KeyFile.Write(path, new byte[32], replace: true, KeyFileSecrecy.Secret, null, "HS256 key file", Attacker.CrashBeforeRename));

        Assert.Equal(before, File.ReadAllBytes(path));
        Hs256KeyFile.Load(path).Dispose();
        Attacker.OnlyThese(dir.Path, path);
    }
}
