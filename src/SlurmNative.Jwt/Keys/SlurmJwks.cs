using System.Globalization;
using System.Security.Cryptography;
using System.Text.Json;
using System.Text.Json.Nodes;
using SlurmNative.Jwt.Files;
using SlurmNative.Jwt.Tokens;

namespace SlurmNative.Jwt.Keys;

/// <summary>
/// slurm.jwks, the multi-key form of auth/slurm's shared key (Slurm 24.05+; its presence
/// next to slurm.conf turns it on). Format and rules from authentication.html, "Multiple Key
/// Setup": an object with a "keys" list; each key has "alg" (must be HS256), "kty" (must be
/// oct), "kid" (case-sensitive, unique), "k" (base64 or base64url, longer than 16 bytes),
/// optionally "use" (only "default"; at most one key) and "exp" (Unix time the key stops
/// being accepted). Other members are ignored by Slurm and kept here when the file is
/// rewritten. Without a "use":"default" key the first key is the default (auth/slurm's
/// internal.c). Like slurm.key, it must not be readable by others; this tool, stricter,
/// wants owner-only access (0600), as authentication.html's example sets.
/// </summary>
public sealed class SlurmJwks : IDisposable
{
    /// <summary>authentication.html: "k" must be longer than 16 bytes.</summary>
    public const int MinimumKeyBytes = 17;

    /// <summary>Size of the keys this tool generates.</summary>
    public const int KeySize = 32;

    private const int MaxFileBytes = 1024 * 1024;
    private const int MaxKeyIdLength = 128;
    private const string What = "slurm.jwks";

    private SlurmJwks(IReadOnlyList<HmacKey> keys) => Keys = keys;

    /// <summary>Keys in file order.</summary>
    public IReadOnlyList<HmacKey> Keys { get; }

    /// <summary>The key that signs: the one marked "use":"default", else the first.</summary>
    public HmacKey DefaultKey => Keys.FirstOrDefault(k => k.IsDefault) ?? Keys[0];

    internal static string CreateHint(string path) => $"create it with 'slurmnative jwt slurm-jwks add {path} --owner SLURMUSER'";

    public static SlurmJwks Load(string path, uint? expectedOwnerUid = null)
    {
        return KeyFile.ReadSecret(path, expectedOwnerUid, MaxFileBytes, What, CreateHint(path), json => Parse(json, path));
    }

    /// <summary>Checks a slurm.jwks document against the documented format; the message names the entry and member at fault.</summary>
    public static SlurmJwks Parse(ReadOnlySpan<byte> json, string source)
    {
        var keys = new List<HmacKey>();
        try
        {
            foreach (JwkFields at in JwkFields.Entries(json, source, "fix it, or start a new one with 'slurmnative jwt slurm-jwks add' on a new path"))
            {
                string kid = at.RequiredString("kid");
                if (keys.Any(k => k.KeyId == kid))
                    throw new JwtKeyException($"{at.Where}: kid \"{kid}\" is used twice; Slurm requires every kid to be unique");
                at.RequireValue("kty", "oct");
                at.RequireValue("alg", JwtKey.HS256);
                byte[] secret = at.RequiredBytes("k");
                try
                {
                    if (secret.Length < MinimumKeyBytes)
                        throw new JwtKeyException($"{at.Where}: \"k\" of key \"{kid}\" decodes to {secret.Length} bytes; Slurm requires more than 16 (add a new {KeySize}-byte key with 'slurmnative jwt slurm-jwks add {source}')");
                    bool isDefault = false;
                    if (at.OptionalString("use") is { } use)
                    {
                        if (!use.Equals("default", StringComparison.OrdinalIgnoreCase))
                            throw new JwtKeyException($"{at.Where}: \"use\" of key \"{kid}\" must be \"default\" (the only value Slurm accepts) or be left out");
                        if (keys.Any(k => k.IsDefault))
                            throw new JwtKeyException($"{at.Where}: key \"{kid}\" is a second \"use\": \"default\" key (the first is \"{keys.First(k => k.IsDefault).KeyId}\"); Slurm allows one");
                        isDefault = true;
                    }
                    DateTimeOffset? expires = at.OptionalUnixTime("exp");
                    keys.Add(new HmacKey(secret, kid, isDefault, expires));
                }
                finally
                {
                    CryptographicOperations.ZeroMemory(secret);
                }
            }
            if (keys.Count == 0)
                throw new JwtKeyException($"{source} holds no keys: add one with 'slurmnative jwt slurm-jwks add {source}'");
            return new SlurmJwks(keys);
        }
        catch
        {
            keys.ForEach(k => k.Dispose());
            throw;
        }
    }

    /// <summary>
    /// Problems Slurm would act on: an expired default key means nothing can be signed or
    /// verified with it. Expired non-default keys are only worth a note.
    /// </summary>
    public void CheckUsable(string source, DateTimeOffset now)
    {
        HmacKey key = DefaultKey;
        if (key.IsExpired(now))
            throw new JwtKeyException($"{source}: the default key \"{key.KeyId}\" expired at {SlurmToken.Format(key.Expires!.Value)}: add a new default key ('slurmnative jwt slurm-jwks add {source} --default') and run 'scontrol reconfigure'");
    }

    /// <summary>
    /// Adds a new random key, creating the file when missing; returns its kid. With
    /// <paramref name="makeDefault"/> it becomes the only "use":"default" key. Existing keys
    /// and any members Slurm ignores are kept as they are.
    /// </summary>
    public static string Add(string path, string? keyId = null, bool makeDefault = false, DateTimeOffset? expires = null,
        FileOwner? owner = null, uint? expectedOwnerUid = null, TimeProvider? time = null)
    {
        DateTimeOffset now = (time ?? TimeProvider.System).GetUtcNow();
        if (expires is { } end && end <= now)
            throw new ArgumentException($"expiry {SlurmToken.Format(end)} is not in the future: a key added already expired would never be accepted");
        if (keyId is not null)
            CheckKeyId(keyId);

        bool exists = KeyFile.Exists(path);
        JsonObject root;
        if (exists)
        {
            byte[] json = KeyFile.Read(path, KeyFileSecrecy.Secret, expectedOwnerUid, MaxFileBytes, What, CreateHint(path));
            try
            {
                using (SlurmJwks current = Parse(json, path))
                {
                    keyId ??= NewKeyId(now, current.Keys.Select(k => k.KeyId!));
                    if (current.Keys.Any(k => k.KeyId == keyId))
                        throw new JwtKeyException($"{path} already has a key \"{keyId}\": choose another kid");
                }
                root = (JsonObject)JsonNode.Parse(json)!;
            }
            finally
            {
                CryptographicOperations.ZeroMemory(json);
            }
        }
        else
        {
            keyId ??= NewKeyId(now, []);
            root = new JsonObject { ["keys"] = new JsonArray() };
        }

        JsonArray keys = root["keys"]!.AsArray();
        if (makeDefault)
        {
            foreach (JsonObject other in keys.OfType<JsonObject>())
            {
                if (other["use"] is JsonValue use && use.TryGetValue(out string? value) && value.Equals("default", StringComparison.OrdinalIgnoreCase))
                    other.Remove("use");
            }
        }
        byte[] secret = RandomNumberGenerator.GetBytes(KeySize);
        var entry = new JsonObject
        {
            ["alg"] = JwtKey.HS256,
            ["kty"] = "oct",
            ["kid"] = keyId,
            ["k"] = Base64Url.Encode(secret),
        };
        CryptographicOperations.ZeroMemory(secret);
        if (makeDefault)
            entry["use"] = "default";
        if (expires is { } expiry)
            entry["exp"] = expiry.ToUnixTimeSeconds();
        keys.Add((JsonNode)entry);
        WriteDocument(path, root, replace: exists, owner);
        return keyId;
    }

    /// <summary>
    /// Removes a key that no longer signs; tokens it signed stop verifying once every host
    /// has the new file. The default key cannot be removed: add a new default first.
    /// </summary>
    public static void Retire(string path, string keyId, uint? expectedOwnerUid = null)
    {
        byte[] json = KeyFile.Read(path, KeyFileSecrecy.Secret, expectedOwnerUid, MaxFileBytes, What, CreateHint(path));
        try
        {
            JsonObject root;
            using (SlurmJwks current = Parse(json, path))
            {
                HmacKey? key = current.Keys.FirstOrDefault(k => k.KeyId == keyId)
                    ?? throw new JwtKeyException($"{path} has no key \"{keyId}\" (it has: {string.Join(", ", current.Keys.Select(k => k.KeyId))})");
                if (key == current.DefaultKey)
                    throw new JwtKeyException($"key \"{keyId}\" is the default key of {path}: add a new default first ('slurmnative jwt slurm-jwks add {path} --default'), distribute it, then retire this one");
                root = (JsonObject)JsonNode.Parse(json)!;
            }
            JsonArray keys = root["keys"]!.AsArray();
            JsonNode entry = keys.First(k => k is JsonObject o && o["kid"] is JsonValue v && v.TryGetValue(out string? id) && id == keyId)!;
            keys.Remove(entry);
            WriteDocument(path, root, replace: true, owner: null);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(json);
        }
    }

    private static void WriteDocument(string path, JsonObject root, bool replace, FileOwner? owner)
    {
        using var buffer = new MemoryStream();
        using (var writer = new Utf8JsonWriter(buffer, new JsonWriterOptions { Indented = true }))
            root.WriteTo(writer);
        buffer.WriteByte((byte)'\n');
        byte[] output = buffer.ToArray();
        try
        {
            // Re-check what is about to be written, so this tool never leaves a file Slurm would reject.
            Parse(output, path).Dispose();
            KeyFile.Write(path, output, replace, KeyFileSecrecy.Secret, owner, What);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(output);
            CryptographicOperations.ZeroMemory(buffer.GetBuffer());
        }
    }

    private static void CheckKeyId(string keyId)
    {
        if (keyId.Length is 0 or > MaxKeyIdLength || keyId.Any(c => char.IsControl(c) || char.IsWhiteSpace(c)))
            throw new ArgumentException($"kid must be 1-{MaxKeyIdLength} printable characters without spaces");
    }

    // Sortable by creation time, with random bits so two keys made in one second still differ.
    private static string NewKeyId(DateTimeOffset now, IEnumerable<string> taken)
    {
        var used = taken.ToHashSet(StringComparer.Ordinal);
        while (true)
        {
            string id = $"k{now.UtcDateTime.ToString("yyyyMMdd'T'HHmmss'Z'", CultureInfo.InvariantCulture)}-{Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(3))}";
            if (!used.Contains(id))
                return id;
        }
    }

    public void Dispose()
    {
        foreach (HmacKey key in Keys)
            key.Dispose();
    }
}
