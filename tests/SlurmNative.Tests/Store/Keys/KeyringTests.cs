using System.Security.Cryptography;
using SlurmNative.Store.Keys;
using SlurmNative.Tests.TestSupport;

namespace SlurmNative.Tests.Store.Keys;

public class KeyringTests
{
    private static string Key(byte fill = 1, int length = 32) => Convert.ToBase64String(Enumerable.Repeat(fill, length).Select(b => (byte)b).ToArray());

    private static KeyringException LoadFails(string content, UnixFileMode mode = UnixFileMode.UserRead | UnixFileMode.UserWrite)
    {
        using var dir = new TempDirectory();
        string path = dir.Write("keys", content, mode);
        return Assert.Throws<KeyringException>(() => Keyring.Load(path));
    }

    [Fact]
    public void Loads_keys_in_order_skipping_comments_and_blank_lines()
    {
        using var dir = new TempDirectory();
        string path = dir.Write("keys", $"# header\n\n  new {Key(2)}  \n\t# old one\nold\t{Key(1)}\r\n");
        Keyring keyring = Keyring.Load(path);
        Assert.Equal(["new", "old"], keyring.KeyIds);
        Assert.Equal("new", keyring.PrimaryKeyId);
        Assert.Equal(path, keyring.SourcePath);
    }

    [Theory]
    [InlineData("a\n", "keys:1: expected 'KEY_ID BASE64_KEY' (two fields), found 1")]
    [InlineData("# c\na b c\n", "keys:2: expected 'KEY_ID BASE64_KEY' (two fields), found 3")]
    [InlineData("\n\nbad/id KEY\n", "keys:3: key id 'bad/id' is not valid")]
    [InlineData("k !!notbase64!!\n", "keys:1: key 'k' is not valid base64")]
    public void Malformed_lines_name_the_line(string content, string expected)
    {
        KeyringException e = LoadFails(content.Replace("KEY", Key(), StringComparison.Ordinal));
        Assert.Contains(expected, e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Bad_base64_is_not_echoed()
    {
        KeyringException e = LoadFails("k secretish$$material\n");
        Assert.DoesNotContain("secretish", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Duplicate_id_names_both_lines()
    {
        KeyringException e = LoadFails($"a {Key(1)}\nb {Key(2)}\na {Key(3)}\n");
        Assert.Contains(":3: duplicate key id 'a' (first on line 1)", e.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(16)]
    [InlineData(31)]
    [InlineData(33)]
    [InlineData(64)]
    public void Key_must_be_exactly_32_bytes(int length)
    {
        KeyringException e = LoadFails($"# x\nk {Key(1, length)}\n");
        Assert.Contains($":2: key 'k' is {length} bytes; AES-256 needs exactly 32", e.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("")]
    [InlineData("# only comments\n\n")]
    public void Empty_keyring_is_refused(string content)
    {
        Assert.Contains("contains no keys", LoadFails(content).Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(UnixFileMode.GroupRead)]
    [InlineData(UnixFileMode.GroupWrite)]
    [InlineData(UnixFileMode.OtherRead)]
    [InlineData(UnixFileMode.OtherWrite)]
    [InlineData(UnixFileMode.OtherExecute)]
    public void Group_or_other_access_is_refused_with_the_fix(UnixFileMode extra)
    {
        using var dir = new TempDirectory();
        string path = dir.Write("keys", $"k {Key()}\n", UnixFileMode.UserRead | UnixFileMode.UserWrite | extra);
        KeyringException e = Assert.Throws<KeyringException>(() => Keyring.Load(path));
        Assert.Contains($"chmod 600 {path}", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Owner_read_only_is_accepted()
    {
        using var dir = new TempDirectory();
        string path = dir.Write("keys", $"k {Key()}\n", UnixFileMode.UserRead);
        Assert.Equal("k", Keyring.Load(path).PrimaryKeyId);
    }

    [Fact]
    public void A_file_owned_by_someone_other_than_the_reader_is_refused_with_the_chown_fix()
    {
        using var dir = new TempDirectory();
        string path = dir.Write("keys", $"k {Key()}\n");
        uint owner = Interop.Libc.geteuid();
        const uint reader = 3_999_999_999; // no such user: the fix names the bare uid

        KeyringException e = Assert.Throws<KeyringException>(() => Keyring.Load(path, reader));

        Assert.Contains($"belongs to uid {owner}", e.Message, StringComparison.Ordinal);
        Assert.Contains($"not to uid {reader}", e.Message, StringComparison.Ordinal);
        Assert.Contains($"run 'chown {reader} {path}'", e.Message, StringComparison.Ordinal);
        Assert.Equal("k", Keyring.Load(path, owner).PrimaryKeyId);
    }

    [RootFact]
    public void As_root_a_key_file_handed_to_another_user_stops_loading_and_names_root()
    {
        using var dir = new TempDirectory();
        string path = dir.Write("keys", $"k {Key()}\n");
        Command.Run("chown", ["65534", path]).EnsureSuccess("chown");

        KeyringException e = Assert.Throws<KeyringException>(() => Keyring.Load(path));

        Assert.Contains($"run 'chown root {path}'", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Symlink_is_refused()
    {
        using var dir = new TempDirectory();
        string target = dir.Write("real", $"k {Key()}\n");
        string link = dir.File("keys");
        File.CreateSymbolicLink(link, target);
        KeyringException e = Assert.Throws<KeyringException>(() => Keyring.Load(link));
        Assert.Contains("symbolic link", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Missing_file_says_so()
    {
        using var dir = new TempDirectory();
        KeyringException e = Assert.Throws<KeyringException>(() => Keyring.Load(dir.File("nope")));
        Assert.Contains("does not exist", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Generate_creates_a_private_file_and_refuses_to_overwrite()
    {
        using var dir = new TempDirectory();
        string path = dir.File("keys");
        string id = Keyring.Generate(path, force: false);
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(path));
        Assert.Equal(id, Keyring.Load(path).PrimaryKeyId);

        string before = File.ReadAllText(path);
        KeyringException e = Assert.Throws<KeyringException>(() => Keyring.Generate(path, force: false));
        Assert.Contains("already exists", e.Message, StringComparison.Ordinal);
        Assert.Equal(before, File.ReadAllText(path));

        string replaced = Keyring.Generate(path, force: true);
        Assert.NotEqual(id, replaced);
        Assert.Equal([replaced], Keyring.Load(path).KeyIds);
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(path));
    }

    [Fact]
    public void Generate_does_not_write_through_a_dangling_symlink()
    {
        using var dir = new TempDirectory();
        string link = dir.File("keys");
        string target = dir.File("elsewhere");
        File.CreateSymbolicLink(link, target);
        Assert.Throws<KeyringException>(() => Keyring.Generate(link, force: false));
        Assert.Throws<KeyringException>(() => Keyring.Generate(link, force: true));
        Assert.False(File.Exists(target));
    }

    [Fact]
    public void AddNewFirstKey_prepends_keeps_old_keys_and_comments()
    {
        using var dir = new TempDirectory();
        string path = dir.Write("keys", $"# header\nold {Key(1)}\n");
        string id = Keyring.AddNewFirstKey(path);
        Keyring keyring = Keyring.Load(path);
        Assert.Equal([id, "old"], keyring.KeyIds);
        Assert.StartsWith("# header\n", File.ReadAllText(path), StringComparison.Ordinal);
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(path));
        Assert.Single(Directory.GetFiles(dir.Path));
    }

    [Fact]
    public void AddNewFirstKey_refuses_an_unsafe_file()
    {
        using var dir = new TempDirectory();
        string path = dir.Write("keys", $"old {Key(1)}\n", UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.OtherRead);
        Assert.Throws<KeyringException>(() => Keyring.AddNewFirstKey(path));
    }

    [Fact]
    public void First_key_encrypts_and_every_key_decrypts()
    {
        byte[] oldKey = RandomNumberGenerator.GetBytes(32), newKey = RandomNumberGenerator.GetBytes(32);
        var before = Keyring.FromKeys([("old", oldKey)]);
        var after = Keyring.FromKeys([("new", newKey), ("old", oldKey)]);
        byte[] ad = [1, 2, 3];
        SealedData sealedOld = before.Encrypt("ticket"u8, ad);
        Assert.Equal("old", sealedOld.KeyId);
        Assert.Equal(12, sealedOld.Nonce.Length);
        Assert.Equal("ticket"u8.Length + 16, sealedOld.CiphertextAndTag.Length);
        Assert.Equal("ticket"u8.ToArray(), after.Decrypt(sealedOld, ad));
        SealedData sealedNew = after.Encrypt("ticket"u8, ad);
        Assert.Equal("new", sealedNew.KeyId);
        Assert.NotEqual(sealedOld.Nonce, sealedNew.Nonce);
    }

    [Fact]
    public void Unknown_key_id_is_named()
    {
        var a = Keyring.FromKeys([("a", RandomNumberGenerator.GetBytes(32))]);
        var b = Keyring.FromKeys([("b", RandomNumberGenerator.GetBytes(32))]);
        KeyringException e = Assert.Throws<KeyringException>(() => b.Decrypt(a.Encrypt("x"u8, []), []));
        Assert.Contains("key 'a'", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Tampering_or_other_associated_data_fails()
    {
        var keyring = Keyring.FromKeys([("a", RandomNumberGenerator.GetBytes(32))]);
        SealedData sealedData = keyring.Encrypt("ticket"u8, [1]);
        Assert.Throws<KeyringException>(() => keyring.Decrypt(sealedData, [2]));
        byte[] flipped = (byte[])sealedData.CiphertextAndTag.Clone();
        flipped[0] ^= 1;
        Assert.Throws<KeyringException>(() => keyring.Decrypt(sealedData with { CiphertextAndTag = flipped }, [1]));
        Assert.Throws<KeyringException>(() => keyring.Decrypt(sealedData with { Nonce = new byte[12] }, [1]));
        Assert.Throws<KeyringException>(() => keyring.Decrypt(sealedData with { CiphertextAndTag = new byte[3] }, [1]));
    }

    [Fact]
    public void A_failed_decryption_leaves_the_keyring_decrypting_correctly()
    {
        var keyring = Keyring.FromKeys([("a", RandomNumberGenerator.GetBytes(32)), ("b", RandomNumberGenerator.GetBytes(32))]);
        SealedData good = keyring.Encrypt("ticket"u8, [1]);
        byte[] flipped = (byte[])good.CiphertextAndTag.Clone();
        flipped[^1] ^= 1;
        for (int i = 0; i < 20; i++)
        {
            Assert.Throws<KeyringException>(() => keyring.Decrypt(good with { CiphertextAndTag = flipped }, [1]));
            Assert.Equal("ticket"u8.ToArray(), keyring.Decrypt(good, [1]));
            // The same ciphertext under the other key's id must not open with a cipher set up for the first.
            Assert.Throws<KeyringException>(() => keyring.Decrypt(good with { KeyId = "b" }, [1]));
        }
    }

    [Fact]
    public void Concurrent_decryptions_each_get_their_own_plaintext()
    {
        var keyring = Keyring.FromKeys([("a", RandomNumberGenerator.GetBytes(32))]);
        var records = Enumerable.Range(0, 64).Select(i => (Plain: RandomNumberGenerator.GetBytes(100 + i), Ad: new[] { (byte)i })).ToArray();
        var sealedRecords = records.Select(r => keyring.Encrypt(r.Plain, r.Ad)).ToArray();
        Parallel.For(0, 20_000, new ParallelOptions { MaxDegreeOfParallelism = 16 }, n =>
        {
            int i = n % records.Length;
            Assert.Equal(records[i].Plain, keyring.Decrypt(sealedRecords[i], records[i].Ad));
        });
    }

    [Fact]
    public void Same_id_with_a_different_key_fails_authentication()
    {
        var one = Keyring.FromKeys([("a", RandomNumberGenerator.GetBytes(32))]);
        var other = Keyring.FromKeys([("a", RandomNumberGenerator.GetBytes(32))]);
        KeyringException e = Assert.Throws<KeyringException>(() => other.Decrypt(one.Encrypt("x"u8, []), []));
        Assert.Contains("failed authentication", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void SealedData_ToString_shows_no_bytes()
    {
        var keyring = Keyring.FromKeys([("a", RandomNumberGenerator.GetBytes(32))]);
        string text = keyring.Encrypt("ticket"u8, []).ToString();
        Assert.Equal("sealed data under key a (22 bytes)", text);
    }
}
