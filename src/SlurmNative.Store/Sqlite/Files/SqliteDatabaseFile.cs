using SlurmNative.Credentials.SecretFiles;

namespace SlurmNative.Store.Sqlite.Files;

/// <summary>
/// The database file and SQLite's -wal and -shm beside it hold every sealed ticket: each is
/// checked by the rules of every file that holds a key (not a symlink, the daemon's own, 0600
/// or less) before SQLite opens it, and a new database is created private before SQLite sees it.
/// </summary>
internal static class SqliteDatabaseFile
{
    private const string What = "credential database";

    /// <param name="ownerUid">the uid the files must belong to: the daemon's own (tests pass another).</param>
    /// <param name="beforeRename">called with the finished, empty temporary file just before it becomes the database (tests).</param>
    /// <exception cref="CredentialStoreException">the file or its directory cannot be used; the message says why and what to fix.</exception>
    public static void Prepare(string full, uint ownerUid, Action<string>? beforeRename = null)
    {
        if (!Directory.Exists(Path.GetDirectoryName(full)))
            throw new CredentialStoreException($"directory of {What} {full} does not exist: create it (owned by the daemon's user, mode 0700)");
        SecretFileRules rules = SecretFileRules.PrivateTo(ownerUid);
        try
        {
            // Created here rather than by SQLite so it never exists with umask permissions;
            // SQLite gives the -wal and -shm files the database file's mode.
            if (!SecretFile.Check(full, rules, What))
                CreateEmpty(full, beforeRename);
            foreach (string file in new[] { full, full + "-wal", full + "-shm" })
                SecretFile.Check(file, rules, What);
        }
        catch (SecretFileException e)
        {
            throw new CredentialStoreException(e.Message, e);
        }
    }

    private static void CreateEmpty(string full, Action<string>? beforeRename)
    {
        try
        {
            SecretFile.Write(full, [], new SecretFileWrite(SecretFileWrite.Private, Replace: false, ExistsHint: ""), What, beforeRename);
        }
        catch (SecretFileException) when (Interop.Libc.LStat(full, out Interop.Libc.Statx found) == 0 && found.FileType == Interop.Libc.S_IFREG)
        {
            // Another opener created it meanwhile; the checks that follow judge that file.
        }
    }
}
