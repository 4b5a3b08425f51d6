using System.Security.Cryptography;
using SlurmNative.Store;
using SlurmNative.Store.Keys;
using SlurmNative.Store.Sqlite;
using SlurmNative.Store.Sqlite.Files;
using SlurmNative.Tests.TestSupport;

namespace SlurmNative.Tests.Store.Sqlite;

/// <summary>The database file (and SQLite's -wal and -shm beside it), against someone who can reach its directory.</summary>
public sealed class SqliteDatabaseFileAttackTests : IDisposable
{
    private const UnixFileMode Private = UnixFileMode.UserRead | UnixFileMode.UserWrite;

    private readonly TempDirectory dir = new();
    private readonly Keyring keys = Keyring.FromKeys([("k", RandomNumberGenerator.GetBytes(Keyring.KeySize))]);

    public void Dispose() => dir.Dispose();

    private string DbPath => dir.File("credentials.db");

    private void CreateDatabase() => SqliteCredentialStore.Open(DbPath, keys).Dispose();

    [Theory]
    [InlineData("")]
    [InlineData("-wal")]
    [InlineData("-shm")]
    public void A_symlink_planted_at_the_database_or_beside_it_is_refused(string suffix)
    {
        if (suffix.Length > 0)
            CreateDatabase();
        string decoy = Attacker.PlantSymlink(DbPath + suffix, "");

        CredentialStoreException e = Assert.Throws<CredentialStoreException>(() => SqliteCredentialStore.Open(DbPath, keys));

        Assert.Contains("symbolic link", e.Message, StringComparison.Ordinal);
        Assert.Equal(0, new FileInfo(decoy).Length);
    }

    [Theory]
    [MemberData(nameof(Attacker.LooseBits), MemberType = typeof(Attacker))]
    public void A_database_with_group_or_other_bits_is_refused(UnixFileMode loose)
    {
        CreateDatabase();
        File.SetUnixFileMode(DbPath, Private | loose);
        CredentialStoreException e = Assert.Throws<CredentialStoreException>(() => SqliteCredentialStore.Open(DbPath, keys));
        Assert.Contains($"run 'chmod 600 {DbPath}'", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_write_ahead_log_others_can_read_is_refused()
    {
        CreateDatabase();
        File.WriteAllBytes(DbPath + "-wal", []);
        File.SetUnixFileMode(DbPath + "-wal", Private | UnixFileMode.OtherRead);
        CredentialStoreException e = Assert.Throws<CredentialStoreException>(() => SqliteCredentialStore.Open(DbPath, keys));
        Assert.Contains($"run 'chmod 600 {DbPath}-wal'", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_database_not_owned_by_the_expected_user_is_refused()
    {
        CreateDatabase();
        Assert.Contains($"belongs to uid {Interop.Libc.geteuid()}",
            Assert.Throws<CredentialStoreException>(() => SqliteDatabaseFile.Prepare(DbPath, Attacker.Stranger)).Message, StringComparison.Ordinal);
    }

    [RootFact]
    public void A_database_owned_by_another_user_is_refused()
    {
        CreateDatabase();
        Attacker.HandTo(DbPath, Attacker.Stranger);
        Assert.Contains($"belongs to uid {Attacker.Stranger}",
            Assert.Throws<CredentialStoreException>(() => SqliteCredentialStore.Open(DbPath, keys)).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_crash_while_creating_the_database_leaves_no_file_and_the_next_open_succeeds()
    {
        Assert.Throws<IOException>(() => SqliteDatabaseFile.Prepare(DbPath, Interop.Libc.geteuid(), Attacker.CrashBeforeRename));
        Attacker.OnlyThese(dir.Path);

        CreateDatabase();
        Assert.Equal(Private, File.GetUnixFileMode(DbPath));
    }

    [Fact]
    public void An_existing_database_is_never_rewritten_by_the_checks()
    {
        CreateDatabase();
        byte[] before = File.ReadAllBytes(DbPath);

        SqliteDatabaseFile.Prepare(DbPath, Interop.Libc.geteuid(), Attacker.CrashBeforeRename);

        Assert.Equal(before, File.ReadAllBytes(DbPath));
    }
}
