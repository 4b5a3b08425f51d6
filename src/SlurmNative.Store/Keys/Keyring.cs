using System.Security.Cryptography;
using System.Text;
using SlurmNative.Credentials.SecretFiles;

namespace SlurmNative.Store.Keys;

/// <summary>
/// AES-256-GCM keys from a key file (<c>KEY_ID BASE64(32 bytes)</c> per line, <c>#</c>
/// comments). The first key encrypts and every key decrypts, so an operator rotates by
/// adding a new first key, re-encrypting, and only then deleting the old one.
/// Immutable: reload by loading again and swapping the instance.
/// </summary>
public sealed class Keyring
{
    public const int KeySize = 32;
    public const int NonceSize = 12;
    public const int TagSize = 16;

    // A key file is a few lines; anything much bigger is the wrong file.
    private const int MaxFileBytes = 1 << 20;
    private const int MaxKeyIdLength = 64;

    private readonly Dictionary<string, byte[]> keys;
    private readonly Dictionary<string, CipherPool> decryptors;

    public string PrimaryKeyId { get; }

    /// <summary>Key ids in file order; the first encrypts.</summary>
    public IReadOnlyList<string> KeyIds { get; }

    /// <summary>The file this keyring came from, or null when built in memory.</summary>
    public string? SourcePath { get; }

    private Keyring(IReadOnlyList<(string Id, byte[] Key)> ordered, string? source)
    {
        keys = new Dictionary<string, byte[]>(StringComparer.Ordinal);
        decryptors = new Dictionary<string, CipherPool>(StringComparer.Ordinal);
        foreach (var (id, key) in ordered)
        {
            keys.Add(id, key);
            decryptors.Add(id, new CipherPool(key));
        }
        KeyIds = ordered.Select(k => k.Id).ToArray();
        PrimaryKeyId = KeyIds[0];
        SourcePath = source;
    }

    /// <summary>Builds a keyring from keys already in memory (tests, tooling); same rules as a file.</summary>
    public static Keyring FromKeys(IEnumerable<(string Id, byte[] Key)> ordered)
    {
        var list = new List<(string, byte[])>();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var (id, key) in ordered)
        {
            if (!IsValidKeyId(id))
                throw new KeyringException($"key id '{id}' is not valid: use 1-{MaxKeyIdLength} of A-Z a-z 0-9 . _ -");
            if (!seen.Add(id))
                throw new KeyringException($"duplicate key id '{id}'");
            if (key.Length != KeySize)
                throw new KeyringException($"key '{id}' is {key.Length} bytes; AES-256 needs exactly {KeySize}");
            list.Add((id, (byte[])key.Clone()));
        }
        if (list.Count == 0)
            throw new KeyringException("keyring is empty: it needs at least one key");
        return new Keyring(list, null);
    }

    /// <summary>Loads and checks a key file; refuses one that others could read or replace.</summary>
    public static Keyring Load(string path) => Load(path, Interop.Libc.geteuid());

    /// <param name="readerUid">the uid the file must belong to: the daemon's own (tests pass another).</param>
    internal static Keyring Load(string path, uint readerUid)
    {
        string text = ReadKeyFile(path, readerUid);
        var parsed = Parse(text, path);
        if (parsed.Count == 0)
            throw new KeyringException($"key file {path} contains no keys: add a line 'KEY_ID BASE64_KEY', a key being 32 random bytes: head -c 32 /dev/urandom | base64");
        return new Keyring(parsed, path);
    }

    public SealedData Encrypt(ReadOnlySpan<byte> plaintext, ReadOnlySpan<byte> associatedData)
    {
        byte[] nonce = RandomNumberGenerator.GetBytes(NonceSize);
        byte[] output = new byte[plaintext.Length + TagSize];
        // AesGcm instances are not documented thread-safe; one per call is cheap next to the I/O around it.
        using (var aes = new AesGcm(keys[PrimaryKeyId], TagSize))
            aes.Encrypt(nonce, plaintext, output.AsSpan(0, plaintext.Length), output.AsSpan(plaintext.Length), associatedData);
        return new SealedData(PrimaryKeyId, nonce, output);
    }

    public byte[] Decrypt(SealedData sealedData, ReadOnlySpan<byte> associatedData)
    {
        ArgumentNullException.ThrowIfNull(sealedData);
        if (!decryptors.TryGetValue(sealedData.KeyId, out CipherPool? pool))
            throw new KeyringException($"record is encrypted under key '{sealedData.KeyId}', which is not in the keyring{Where()}: restore that key (keep an old key until every record has been re-encrypted)");
        if (sealedData.Nonce.Length != NonceSize || sealedData.CiphertextAndTag.Length < TagSize)
            throw new KeyringException($"record under key '{sealedData.KeyId}' is truncated or malformed");
        int length = sealedData.CiphertextAndTag.Length - TagSize;
        byte[] plaintext = new byte[length];
        AesGcm aes = pool.Rent();
        try
        {
            aes.Decrypt(sealedData.Nonce, sealedData.CiphertextAndTag.AsSpan(0, length), sealedData.CiphertextAndTag.AsSpan(length), plaintext, associatedData);
        }
        catch (AuthenticationTagMismatchException e)
        {
            // The exception from AesGcm carries no data, but say plainly what it means here.
            throw new KeyringException($"record under key '{sealedData.KeyId}' failed authentication: it was altered, moved from another row, or the key with that id is not the one it was written with", e);
        }
        finally
        {
            pool.Return(aes);
        }
        return plaintext;
    }

    public bool Contains(string keyId) => keys.ContainsKey(keyId);

    /// <summary>
    /// Ready AES-GCM instances for one key. Every get decrypts a record, and setting up the
    /// cipher (OpenSSL context, key schedule) cost more than decrypting a ticket; an instance
    /// must not be used by two threads at once, so each caller takes one out and puts it back.
    /// </summary>
    private sealed class CipherPool(byte[] key)
    {
        private readonly AesGcm?[] idle = new AesGcm?[8];

        public AesGcm Rent()
        {
            for (int i = 0; i < idle.Length; i++)
            {
                if (Interlocked.Exchange(ref idle[i], null) is { } aes)
                    return aes;
            }
            return new AesGcm(key, TagSize);
        }

        public void Return(AesGcm aes)
        {
            for (int i = 0; i < idle.Length; i++)
            {
                if (Interlocked.CompareExchange(ref idle[i], aes, null) is null)
                    return;
            }
            aes.Dispose();
        }
    }

    private string Where() => SourcePath is null ? "" : $" ({SourcePath})";

    /// <summary>Writes a new key file holding one fresh key; returns its id.</summary>
    /// <param name="force">replace an existing file (its keys are lost: anything they encrypted becomes unreadable).</param>
    public static string Generate(string path, bool force) => Generate(path, force, beforeRename: null);

    /// <param name="beforeRename">called with the finished temporary file just before it replaces the key file (tests).</param>
    internal static string Generate(string path, bool force, Action<string>? beforeRename)
    {
        string id = NewKeyId();
        WriteKeyFile(path, $"# SlurmNative credential keys: KEY_ID BASE64(32 bytes). The first key encrypts, all keys decrypt.\n{FormatKeyLine(id)}\n", force, beforeRename);
        return id;
    }

    /// <summary>
    /// Puts a freshly generated key first (it encrypts from the next load on), keeping the
    /// others so existing records still decrypt; the file is replaced atomically. Returns the new id.
    /// </summary>
    public static string AddNewFirstKey(string path) => AddNewFirstKey(path, beforeRename: null);

    /// <param name="beforeRename">called with the finished temporary file just before it replaces the key file (tests).</param>
    internal static string AddNewFirstKey(string path, Action<string>? beforeRename)
    {
        string text = ReadKeyFile(path, Interop.Libc.geteuid());
        var existing = Parse(text, path);
        string id;
        do
            id = NewKeyId();
        while (existing.Any(k => k.Id == id));

        // Insert before the first key line so a header comment stays on top.
        string[] lines = text.Split('\n');
        var output = new StringBuilder();
        bool inserted = false;
        for (int i = 0; i < lines.Length; i++)
        {
            string trimmed = lines[i].Trim();
            if (!inserted && trimmed.Length > 0 && trimmed[0] != '#')
            {
                output.Append(FormatKeyLine(id)).Append('\n');
                inserted = true;
            }
            output.Append(lines[i]);
            if (i < lines.Length - 1)
                output.Append('\n');
        }
        if (!inserted)
        {
            if (output.Length > 0 && output[^1] != '\n')
                output.Append('\n');
            output.Append(FormatKeyLine(id)).Append('\n');
        }
        WriteKeyFile(path, output.ToString(), replace: true, beforeRename);
        return id;
    }

    internal static List<(string Id, byte[] Key)> Parse(string text, string path)
    {
        var result = new List<(string, byte[])>();
        var seen = new Dictionary<string, int>(StringComparer.Ordinal);
        string[] lines = text.Split('\n');
        for (int i = 0; i < lines.Length; i++)
        {
            int lineNumber = i + 1;
            string line = lines[i].TrimEnd('\r').Trim();
            if (line.Length == 0 || line[0] == '#')
                continue;
            string[] fields = line.Split([' ', '\t'], StringSplitOptions.RemoveEmptyEntries);
            if (fields.Length != 2)
                throw new KeyringException($"{path}:{lineNumber}: expected 'KEY_ID BASE64_KEY' (two fields), found {fields.Length}");
            string id = fields[0];
            if (!IsValidKeyId(id))
                throw new KeyringException($"{path}:{lineNumber}: key id '{Printable(id)}' is not valid: use 1-{MaxKeyIdLength} of A-Z a-z 0-9 . _ -");
            if (seen.TryGetValue(id, out int first))
                throw new KeyringException($"{path}:{lineNumber}: duplicate key id '{id}' (first on line {first}); every key needs its own id");
            byte[] key;
            try
            {
                key = Convert.FromBase64String(fields[1]);
            }
            catch (FormatException)
            {
                // The key text is secret material: never echo it.
                throw new KeyringException($"{path}:{lineNumber}: key '{id}' is not valid base64");
            }
            if (key.Length != KeySize)
                throw new KeyringException($"{path}:{lineNumber}: key '{id}' is {key.Length} bytes; AES-256 needs exactly {KeySize} (generate one with 'head -c 32 /dev/urandom | base64')");
            seen.Add(id, lineNumber);
            result.Add((id, key));
        }
        return result;
    }

    /// <summary>Reads the key file, which must be a regular file, not a symlink, owned by <paramref name="readerUid"/> and private to it.</summary>
    internal static string ReadKeyFile(string path, uint readerUid)
    {
        try
        {
            return SecretFile.ReadText(path, SecretFileRules.PrivateTo(readerUid), "key file", MaxFileBytes,
                "create it (mode 0600) with lines 'KEY_ID BASE64_KEY', a key being 32 random bytes: head -c 32 /dev/urandom | base64");
        }
        catch (SecretFileException e)
        {
            throw new KeyringException(e.Message, e.InnerException);
        }
    }

    private static void WriteKeyFile(string path, string content, bool replace, Action<string>? beforeRename)
    {
        byte[] bytes = Encoding.UTF8.GetBytes(content);
        try
        {
            SecretFile.Write(path, bytes, new SecretFileWrite(SecretFileWrite.Private, replace,
                "its keys may still be needed to decrypt stored credentials: replace it only deliberately (force), or add a new first key instead"), "key file", beforeRename);
        }
        catch (SecretFileException e)
        {
            throw new KeyringException(e.Message, e.InnerException);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(bytes);
        }
    }

    private static string FormatKeyLine(string id)
    {
        byte[] key = RandomNumberGenerator.GetBytes(KeySize);
        try
        {
            return $"{id} {Convert.ToBase64String(key)}";
        }
        finally
        {
            CryptographicOperations.ZeroMemory(key);
        }
    }

    // Sortable by creation time, with random bits so two keys made in one second still differ.
    private static string NewKeyId()
    {
        Span<byte> random = stackalloc byte[3];
        RandomNumberGenerator.Fill(random);
        return $"k{DateTime.UtcNow:yyyyMMddTHHmmssZ}-{Convert.ToHexStringLower(random)}";
    }

    private static bool IsValidKeyId(string id) =>
        id.Length is > 0 and <= MaxKeyIdLength && id.All(c => char.IsAsciiLetterOrDigit(c) || c is '.' or '_' or '-');

    private static string Printable(string s) =>
        s.Length > MaxKeyIdLength + 8 ? string.Concat(s.AsSpan(0, MaxKeyIdLength), "...") : s;
}
