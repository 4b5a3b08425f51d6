using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using SlurmNative.Jwt.Files;
using SlurmNative.Jwt.Tokens;

namespace SlurmNative.Jwt.Keys;

/// <summary>
/// SlurmNative's RS256 signing keys: one file, a private JWKS (RFC 7517 key set whose RSA
/// keys carry RFC 7518 §6.3.2's private members), mode 0600. One file rather than a
/// directory of PEMs so that rotating and retiring are a single atomic rename: a reader
/// never sees a key set half way through a change. The first key signs; every key is
/// published, so tokens signed before a rotation keep verifying until their key is retired.
/// kids are RFC 7638 thumbprints: stable, unique per key, and derivable from the public key.
/// </summary>
public sealed class RsaKeySet : IDisposable
{
    public const int DefaultKeySize = 2048;

    private const int MaxFileBytes = 1024 * 1024;
    private const string What = "RSA key set";

    private RsaKeySet(IReadOnlyList<RsaKey> keys) => Keys = keys;

    /// <summary>Keys in file order; the first is the current signing key.</summary>
    public IReadOnlyList<RsaKey> Keys { get; }

    public RsaKey Current => Keys[0];

    internal static string CreateHint(string path) => $"create it with 'slurmnative jwt rsa init {path}'";

    /// <summary>Loads and checks a key set file (mode 0600, owned by root, the caller or <paramref name="expectedOwnerUid"/>).</summary>
    public static RsaKeySet Load(string path, uint? expectedOwnerUid = null)
    {
        return KeyFile.ReadSecret(path, expectedOwnerUid, MaxFileBytes, What, CreateHint(path), json => Parse(json, path));
    }

    /// <summary>Creates a key set holding one new key; returns its kid.</summary>
    /// <param name="force">replace an existing set (every token it signed stops verifying).</param>
    public static string Create(string path, bool force, FileOwner? owner = null, int keySize = DefaultKeySize, TimeProvider? time = null)
    {
        CheckKeySize(keySize);
        if (!force && KeyFile.Exists(path))
            throw new JwtKeyException($"{What} {path} already exists: refusing to overwrite it; rotate it with 'slurmnative jwt rsa rotate {path}', or {KeyFile.OverwriteHint}");
        using RsaKey key = Generate(keySize, time);
        Save(path, [key], replace: force, owner);
        return key.KeyId!;
    }

    /// <summary>
    /// Adds a new key in front (it signs from now on) and keeps the others, so tokens they
    /// signed still verify once the JWKS is published again. Returns the new kid.
    /// </summary>
    public static string Rotate(string path, uint? expectedOwnerUid = null, int keySize = DefaultKeySize, TimeProvider? time = null)
    {
        CheckKeySize(keySize);
        using RsaKeySet set = Load(path, expectedOwnerUid);
        using RsaKey key = Generate(keySize, time);
        Save(path, [key, .. set.Keys], replace: true, owner: null);
        return key.KeyId!;
    }

    /// <summary>Removes a key that no longer signs: tokens it signed stop verifying once the JWKS is published again.</summary>
    public static void Retire(string path, string keyId, uint? expectedOwnerUid = null)
    {
        using RsaKeySet set = Load(path, expectedOwnerUid);
        int index = set.Keys.ToList().FindIndex(k => k.KeyId == keyId);
        if (index < 0)
            throw new JwtKeyException($"{path} has no key '{keyId}' (it has: {string.Join(", ", set.Keys.Select(k => k.KeyId))}); list them with 'slurmnative jwt rsa list {path}'");
        if (index == 0)
            throw new JwtKeyException($"key '{keyId}' is the current signing key of {path}: rotate first ('slurmnative jwt rsa rotate {path}'), publish, wait until tokens it signed have expired, then retire it");
        Save(path, set.Keys.Where((_, i) => i != index).ToList(), replace: true, owner: null);
    }

    /// <summary>The public JWKS for AuthAltParameters=jwks=: kty, alg, use, kid, n, e of every key, no private member.</summary>
    public byte[] ToPublicJwks()
    {
        var keys = Keys.Select(k =>
        {
            RSAParameters p = k.ExportParameters(includePrivate: false);
            return new PublicRsaJwk("RSA", JwtKey.RS256, "sig", k.KeyId!, Base64Url.Encode(p.Modulus), Base64Url.Encode(p.Exponent));
        }).ToList();
        return JsonSerializer.SerializeToUtf8Bytes(new PublicJwkSet(keys), FileJson.Default.PublicJwkSet);
    }

    /// <summary>Writes the public JWKS of the key set at <paramref name="path"/> to <paramref name="output"/> (mode 0644, atomically).</summary>
    public static void Publish(string path, string output, FileOwner? owner = null, uint? expectedOwnerUid = null)
    {
        using RsaKeySet set = Load(path, expectedOwnerUid);
        KeyFile.Write(output, set.ToPublicJwks(), replace: true, KeyFileSecrecy.Public, owner, "public JWKS");
    }

    /// <summary>RFC 7638 thumbprint of an RSA public key: base64url SHA-256 of {"e","kty","n"} in that order.</summary>
    public static string Thumbprint(RSAParameters publicKey)
    {
        string canonical = $"{{\"e\":\"{Base64Url.Encode(publicKey.Exponent)}\",\"kty\":\"RSA\",\"n\":\"{Base64Url.Encode(publicKey.Modulus)}\"}}";
        return Base64Url.Encode(SHA256.HashData(Encoding.UTF8.GetBytes(canonical)));
    }

    internal static RsaKeySet Parse(ReadOnlySpan<byte> json, string source)
    {
        var keys = new List<RsaKey>();
        try
        {
            foreach (JwkFields at in JwkFields.Entries(json, source, $"restore it from a backup, or make a new set with 'slurmnative jwt rsa init {source} --force'"))
                keys.Add(ParsePrivate(at, keys));
            if (keys.Count == 0)
                throw new JwtKeyException($"{source} holds no keys: make a new set with 'slurmnative jwt rsa init {source} --force'");
            return new RsaKeySet(keys);
        }
        catch
        {
            keys.ForEach(k => k.Dispose());
            throw;
        }
    }

    private static RsaKey ParsePrivate(JwkFields at, List<RsaKey> previous)
    {
        at.RequireValue("kty", "RSA");
        at.RequireValue("alg", JwtKey.RS256);
        string kid = at.RequiredString("kid");
        if (previous.Any(k => k.KeyId == kid))
            throw new JwtKeyException($"{at.Where}: kid '{kid}' appears twice; every key needs its own kid");
        byte[] modulus = at.RequiredBytes("n");
        int half = (modulus.Length + 1) / 2;
        var parameters = new RSAParameters
        {
            Modulus = modulus,
            Exponent = at.RequiredBytes("e"),
            // ImportParameters wants the private values at their full width; JWK writers may drop leading zeros.
            D = LeftPad(at.RequiredBytes("d"), modulus.Length, at, "d"),
            P = LeftPad(at.RequiredBytes("p"), half, at, "p"),
            Q = LeftPad(at.RequiredBytes("q"), half, at, "q"),
            DP = LeftPad(at.RequiredBytes("dp"), half, at, "dp"),
            DQ = LeftPad(at.RequiredBytes("dq"), half, at, "dq"),
            InverseQ = LeftPad(at.RequiredBytes("qi"), half, at, "qi"),
        };
        DateTimeOffset? created = at.OptionalUnixTime("created");
        var rsa = RSA.Create();
        try
        {
            rsa.ImportParameters(parameters);
            if (rsa.KeySize < DefaultKeySize)
                throw new JwtKeyException($"{at.Where}: key '{kid}' is {rsa.KeySize} bits; RS256 keys need at least {DefaultKeySize}: rotate to a new key and retire this one");
            // A signature round trip catches private values that do not belong to the public key.
            byte[] probe = rsa.SignData("slurmnative"u8.ToArray(), HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
            if (!rsa.VerifyData("slurmnative"u8, probe, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1))
                throw new JwtKeyException($"{at.Where}: key '{kid}' is inconsistent (its private part does not match n and e)");
        }
        catch (CryptographicException e)
        {
            rsa.Dispose();
            throw new JwtKeyException($"{at.Where}: key '{kid}' is not a valid RSA private key ({e.Message})", e);
        }
        catch
        {
            rsa.Dispose();
            throw;
        }
        finally
        {
            CryptographicOperations.ZeroMemory(parameters.D);
            CryptographicOperations.ZeroMemory(parameters.P);
            CryptographicOperations.ZeroMemory(parameters.Q);
            CryptographicOperations.ZeroMemory(parameters.DP);
            CryptographicOperations.ZeroMemory(parameters.DQ);
            CryptographicOperations.ZeroMemory(parameters.InverseQ);
        }
        return new RsaKey(rsa, kid, hasPrivateKey: true, created);
    }

    private static byte[] LeftPad(byte[] value, int length, JwkFields at, string name)
    {
        if (value.Length == length)
            return value;
        if (value.Length > length)
            throw new JwtKeyException($"{at.Where}: \"{name}\" is longer than the modulus allows");
        byte[] padded = new byte[length];
        value.CopyTo(padded, length - value.Length);
        CryptographicOperations.ZeroMemory(value);
        return padded;
    }

    private static RsaKey Generate(int keySize, TimeProvider? time)
    {
        var rsa = RSA.Create(keySize);
        string kid = Thumbprint(rsa.ExportParameters(includePrivateParameters: false));
        return new RsaKey(rsa, kid, hasPrivateKey: true, (time ?? TimeProvider.System).GetUtcNow());
    }

    private static void Save(string path, IReadOnlyList<RsaKey> keys, bool replace, FileOwner? owner)
    {
        var entries = new List<PrivateRsaJwk>();
        foreach (RsaKey key in keys)
        {
            RSAParameters p = key.ExportParameters(includePrivate: true);
            entries.Add(new PrivateRsaJwk("RSA", JwtKey.RS256, "sig", key.KeyId!, (key.Created ?? DateTimeOffset.UnixEpoch).ToUnixTimeSeconds(),
                Base64Url.Encode(p.Modulus), Base64Url.Encode(p.Exponent), Base64Url.Encode(p.D), Base64Url.Encode(p.P), Base64Url.Encode(p.Q),
                Base64Url.Encode(p.DP), Base64Url.Encode(p.DQ), Base64Url.Encode(p.InverseQ)));
        }
        byte[] json = JsonSerializer.SerializeToUtf8Bytes(new PrivateJwkSet(entries), FileJson.Default.PrivateJwkSet);
        try
        {
            KeyFile.Write(path, json, replace, KeyFileSecrecy.Secret, owner, What);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(json);
        }
    }

    private static void CheckKeySize(int keySize)
    {
        if (keySize is not (2048 or 3072 or 4096))
            throw new ArgumentException($"RSA key size {keySize} is not offered: use 2048, 3072 or 4096 bits");
    }

    public void Dispose()
    {
        foreach (RsaKey key in Keys)
            key.Dispose();
    }
}
