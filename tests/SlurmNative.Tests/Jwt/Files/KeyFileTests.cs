using SlurmNative.Jwt;
using SlurmNative.Jwt.Files;
using SlurmNative.Jwt.Keys;
using SlurmNative.Tests.TestSupport;

namespace SlurmNative.Tests.Jwt.Files;

public class KeyFileTests
{
    private const UnixFileMode Private = UnixFileMode.UserRead | UnixFileMode.UserWrite;

    [Fact]
    public void Keygen_writes_32_raw_bytes_owner_only()
    {
        using var dir = new TempDirectory();
        string path = dir.File("jwt_hs256.key");
        Hs256KeyFile.Create(path, force: false);
        Assert.Equal(32, new FileInfo(path).Length);
        Assert.Equal(Private, File.GetUnixFileMode(path));
        using HmacKey key = Hs256KeyFile.Load(path);
        Assert.Equal(32, key.Length);
        Assert.Null(key.KeyId);
    }

    [Fact]
    public void Two_keygens_make_different_keys()
    {
        using var dir = new TempDirectory();
        Hs256KeyFile.Create(dir.File("a"), force: false);
        Hs256KeyFile.Create(dir.File("b"), force: false);
        Assert.NotEqual(File.ReadAllBytes(dir.File("a")), File.ReadAllBytes(dir.File("b")));
    }

    [Fact]
    public void Keygen_refuses_to_overwrite_without_force_and_leaves_the_key_alone()
    {
        using var dir = new TempDirectory();
        string path = dir.File("jwt_hs256.key");
        Hs256KeyFile.Create(path, force: false);
        byte[] before = File.ReadAllBytes(path);
        JwtKeyException e = Assert.Throws<JwtKeyException>(() => Hs256KeyFile.Create(path, force: false));
        Assert.Contains("already exists", e.Message, StringComparison.Ordinal);
        Assert.Contains("--force", e.Message, StringComparison.Ordinal);
        Assert.Equal(before, File.ReadAllBytes(path));
        Assert.Single(Directory.GetFiles(dir.Path));
    }

    [Fact]
    public void Keygen_with_force_replaces_the_key()
    {
        using var dir = new TempDirectory();
        string path = dir.File("jwt_hs256.key");
        Hs256KeyFile.Create(path, force: false);
        byte[] before = File.ReadAllBytes(path);
        Hs256KeyFile.Create(path, force: true);
        Assert.NotEqual(before, File.ReadAllBytes(path));
        Assert.Equal(Private, File.GetUnixFileMode(path));
        Assert.Single(Directory.GetFiles(dir.Path));
    }

    [Theory]
    [InlineData(UnixFileMode.GroupWrite)]
    [InlineData(UnixFileMode.GroupRead | UnixFileMode.GroupExecute)]
    [InlineData(UnixFileMode.OtherRead)]
    [InlineData(UnixFileMode.OtherWrite)]
    [InlineData(UnixFileMode.GroupRead | UnixFileMode.OtherRead)]
    public void Other_access_or_group_write_is_refused_naming_chmod_600(UnixFileMode extra)
    {
        using var dir = new TempDirectory();
        string path = dir.File("jwt_hs256.key");
        Hs256KeyFile.Create(path, force: false);
        File.SetUnixFileMode(path, Private | extra);
        JwtKeyException e = Assert.Throws<JwtKeyException>(() => Hs256KeyFile.Load(path));
        Assert.Contains($"run 'chmod 600 {path}'", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_key_its_group_may_read_is_accepted_as_slurm_allows_for_a_service_sharing_it()
    {
        using var dir = new TempDirectory();
        string path = dir.File("jwt_hs256.key");
        Hs256KeyFile.Create(path, force: false);
        File.SetUnixFileMode(path, Private | UnixFileMode.GroupRead);
        Hs256KeyFile.Load(path).Dispose();
        File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.GroupRead);
        Hs256KeyFile.Load(path).Dispose();
    }

    [Fact]
    public void Replacing_a_key_its_group_could_read_keeps_the_group_read_access()
    {
        using var dir = new TempDirectory();
        string path = dir.File("jwt_hs256.key");
        Hs256KeyFile.Create(path, force: false);
        File.SetUnixFileMode(path, Private | UnixFileMode.GroupRead);
        Hs256KeyFile.Create(path, force: true);
        Assert.Equal(Private | UnixFileMode.GroupRead, File.GetUnixFileMode(path));

        // A private key stays private.
        File.SetUnixFileMode(path, Private);
        Hs256KeyFile.Create(path, force: true);
        Assert.Equal(Private, File.GetUnixFileMode(path));
    }

    [Fact]
    public void Read_only_owner_mode_0400_is_accepted()
    {
        using var dir = new TempDirectory();
        string path = dir.File("jwt_hs256.key");
        Hs256KeyFile.Create(path, force: false);
        File.SetUnixFileMode(path, UnixFileMode.UserRead);
        Hs256KeyFile.Load(path).Dispose();
    }

    [Theory]
    [InlineData(0, "is empty")]
    [InlineData(16, "holds 16 bytes; an HS256 key needs at least 32")]
    [InlineData(31, "holds 31 bytes")]
    public void Short_keys_are_refused(int length, string expected)
    {
        using var dir = new TempDirectory();
        string path = dir.File("jwt_hs256.key");
        File.WriteAllBytes(path, new byte[length]);
        File.SetUnixFileMode(path, Private);
        Assert.Contains(expected, Assert.Throws<JwtKeyException>(() => Hs256KeyFile.Load(path)).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void The_whole_file_is_the_key_as_slurm_maps_it()
    {
        using var dir = new TempDirectory();
        string path = dir.File("jwt_hs256.key");
        byte[] content = [.. Enumerable.Range(0, 40).Select(i => (byte)i), (byte)'\n'];
        File.WriteAllBytes(path, content);
        File.SetUnixFileMode(path, Private);
        using HmacKey key = Hs256KeyFile.Load(path);
        Assert.Equal(41, key.Length);
    }

    [Fact]
    public void Missing_file_says_how_to_create_it()
    {
        using var dir = new TempDirectory();
        JwtKeyException e = Assert.Throws<JwtKeyException>(() => Hs256KeyFile.Load(dir.File("nope")));
        Assert.Contains("does not exist", e.Message, StringComparison.Ordinal);
        Assert.Contains("slurmnative jwt keygen", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Symlinks_are_refused_for_reading_and_writing()
    {
        using var dir = new TempDirectory();
        string real = dir.File("real.key");
        Hs256KeyFile.Create(real, force: false);
        string link = dir.File("link.key");
        File.CreateSymbolicLink(link, real);
        Assert.Contains("symbolic link", Assert.Throws<JwtKeyException>(() => Hs256KeyFile.Load(link)).Message, StringComparison.Ordinal);
        byte[] before = File.ReadAllBytes(real);
        Assert.Contains("symbolic link", Assert.Throws<JwtKeyException>(() => Hs256KeyFile.Create(link, force: true)).Message, StringComparison.Ordinal);
        Assert.Equal(before, File.ReadAllBytes(real));
    }

    [Fact]
    public void A_directory_or_fifo_is_not_a_key_file()
    {
        using var dir = new TempDirectory();
        string sub = dir.File("sub");
        Directory.CreateDirectory(sub);
        File.SetUnixFileMode(sub, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        Assert.Contains("not a regular file", Assert.Throws<JwtKeyException>(() => Hs256KeyFile.Load(sub)).Message, StringComparison.Ordinal);
        string fifo = dir.File("fifo");
        TestSupport.Command.Run("mkfifo", ["-m", "600", fifo]).EnsureSuccess("mkfifo");
        // Opened non-blocking, so a FIFO with no writer cannot hang the reader.
        Assert.Contains("not a regular file", Assert.Throws<JwtKeyException>(() => Hs256KeyFile.Load(fifo)).Message, StringComparison.Ordinal);
    }

    [RootFact]
    public void A_file_owned_by_another_user_is_refused_unless_that_user_is_named()
    {
        using var dir = new TempDirectory();
        string path = dir.File("jwt_hs256.key");
        Hs256KeyFile.Create(path, force: false);
        const uint stranger = 54321;
        Assert.Equal(0, Chown(path, stranger));
        JwtKeyException e = Assert.Throws<JwtKeyException>(() => Hs256KeyFile.Load(path));
        Assert.Contains("belongs to uid 54321", e.Message, StringComparison.Ordinal);
        Assert.Contains("--owner", e.Message, StringComparison.Ordinal);
        Hs256KeyFile.Load(path, expectedOwnerUid: stranger).Dispose();
    }

    [RootFact]
    public void Keygen_gives_the_file_to_the_named_owner()
    {
        FileOwner nobody = FileOwner.FromUserName("nobody");
        using var dir = new TempDirectory();
        string path = dir.File("jwt_hs256.key");
        Hs256KeyFile.Create(path, force: false, nobody);
        Assert.Equal(0, Interop.Libc.LStat(path, out Interop.Libc.Statx status));
        Assert.Equal((nobody.Uid, nobody.Gid), (status.stx_uid, status.stx_gid));
        Assert.Equal(0x180u, status.Permissions);
        Hs256KeyFile.Load(path, nobody.Uid).Dispose();
    }

    [RootFact]
    public void Replacing_a_file_keeps_its_owner()
    {
        FileOwner nobody = FileOwner.FromUserName("nobody");
        using var dir = new TempDirectory();
        string path = dir.File("jwt_hs256.key");
        Hs256KeyFile.Create(path, force: false, nobody);
        Hs256KeyFile.Create(path, force: true);
        Assert.Equal(0, Interop.Libc.LStat(path, out Interop.Libc.Statx status));
        Assert.Equal(nobody.Uid, status.stx_uid);
    }

    [Fact]
    public void Unknown_owner_name_is_refused()
    {
        Assert.Contains("no such user", Assert.Throws<JwtKeyException>(() => FileOwner.FromUserName("no-such-user-slurmnative")).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Until_the_rename_readers_see_the_old_file_and_the_new_one_is_already_complete_and_private()
    {
        using var dir = new TempDirectory();
        string path = dir.Write("key", "old content");
        bool called = false;
        KeyFile.Write(path, "new content"u8, replace: true, KeyFileSecrecy.Secret, owner: null, "test key", temp =>
        {
            called = true;
            Assert.Equal("old content", File.ReadAllText(path));
            Assert.Equal("new content", File.ReadAllText(temp));
            Assert.Equal(Private, File.GetUnixFileMode(temp));
            Assert.Equal(dir.Path, Path.GetDirectoryName(temp));
        });
        Assert.True(called);
        Assert.Equal("new content", File.ReadAllText(path));
        Assert.Single(Directory.GetFiles(dir.Path));
    }

    [Fact]
    public void A_failure_before_the_rename_leaves_the_old_file_and_no_temporary_file()
    {
        using var dir = new TempDirectory();
        string path = dir.Write("key", "old content");
        Assert.Throws<IOException>(() => KeyFile.Write(path, "new content"u8, replace: true, KeyFileSecrecy.Secret, null, "test key",
            _ => throw new IOException("disk full (simulated)")));
        Assert.Equal("old content", File.ReadAllText(path));
        Assert.Equal([path], Directory.GetFiles(dir.Path));
    }

    [Fact]
    public void A_failed_first_write_leaves_nothing_behind()
    {
        using var dir = new TempDirectory();
        string path = dir.File("key");
        Assert.Throws<IOException>(() => KeyFile.Write(path, "content"u8, replace: false, KeyFileSecrecy.Secret, null, "test key",
            _ => throw new IOException("crash (simulated)")));
        Assert.Empty(Directory.GetFileSystemEntries(dir.Path));
    }

    [Fact]
    public void A_file_created_meanwhile_is_not_clobbered_without_force()
    {
        using var dir = new TempDirectory();
        string path = dir.File("key");
        JwtKeyException e = Assert.Throws<JwtKeyException>(() => KeyFile.Write(path, "mine"u8, replace: false, KeyFileSecrecy.Secret, null, "test key",
            _ => File.WriteAllText(path, "theirs")));
        Assert.Contains("already exists", e.Message, StringComparison.Ordinal);
        Assert.Equal("theirs", File.ReadAllText(path));
        Assert.Equal([path], Directory.GetFiles(dir.Path));
    }

    [Fact]
    public void Public_files_are_0644_whatever_the_umask()
    {
        using var dir = new TempDirectory();
        string path = dir.File("jwks.json");
        KeyFile.Write(path, "{}"u8, replace: false, KeyFileSecrecy.Public, null, "public JWKS");
        Assert.Equal(Private | UnixFileMode.GroupRead | UnixFileMode.OtherRead, File.GetUnixFileMode(path));
    }

    [Fact]
    public void Missing_directory_is_named()
    {
        using var dir = new TempDirectory();
        string path = Path.Combine(dir.Path, "missing", "key");
        Assert.Contains("does not exist: create it first", Assert.Throws<JwtKeyException>(() => Hs256KeyFile.Create(path, false)).Message, StringComparison.Ordinal);
    }

    private static int Chown(string path, uint uid)
    {
        using Microsoft.Win32.SafeHandles.SafeFileHandle handle = File.OpenHandle(path, FileMode.Open, FileAccess.Read);
        return Interop.Libc.fchown(handle, uid, uid);
    }
}
