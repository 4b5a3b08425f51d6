using System.Globalization;
using System.Text;
using System.Text.Json;
using SlurmNative.Jwt.Keys;

namespace SlurmNative.Jwt.Tokens;

/// <summary>
/// Mints and verifies the compact JWS tokens Slurm's auth/jwt takes in SLURM_JWT or
/// X-SLURM-USER-TOKEN. The rules follow what Slurm 22.05's auth/jwt checks (read in its
/// auth_jwt.c and the installed slurm.conf(5)): alg HS256 with the raw jwt_key, or RS256
/// matched by the header's kid in the jwks= file; the token is refused once "exp" is
/// before now; the user comes from "sun", else "username". jwt.html's compatibility list
/// also requires "iat", so it is required here too.
/// </summary>
public static class SlurmToken
{
    /// <summary>`scontrol token`'s default lifespan (jwt.html: "the default 1800 seconds").</summary>
    public static readonly TimeSpan DefaultLifespan = TimeSpan.FromSeconds(1800);

    /// <summary>scontrol passes the lifespan as a C int; a token that outlives it is not one Slurm would mint.</summary>
    public static readonly TimeSpan MaximumLifespan = TimeSpan.FromSeconds(int.MaxValue);

    // Tokens from identity providers run to a few KiB; far more is not a token.
    private const int MaxTokenLength = 64 * 1024;

    /// <summary>Signs a token for <paramref name="userName"/> valid from now for <paramref name="lifespan"/> (whole seconds).</summary>
    public static string Mint(string userName, TimeSpan lifespan, JwtKey key, TimeProvider? time = null)
    {
        ArgumentNullException.ThrowIfNull(key);
        SlurmUserName.Validate(userName);
        if (lifespan < TimeSpan.FromSeconds(1) || lifespan > MaximumLifespan || lifespan.Ticks % TimeSpan.TicksPerSecond != 0)
            throw new ArgumentException($"lifespan must be a whole number of seconds from 1 to {int.MaxValue} (got {lifespan.TotalSeconds.ToString(CultureInfo.InvariantCulture)} s)", nameof(lifespan));
        if (!key.CanSign)
            throw new JwtKeyException($"{key} is a public key: mint with the private key set instead");
        DateTimeOffset now = (time ?? TimeProvider.System).GetUtcNow();
        long issued = now.ToUnixTimeSeconds();
        var header = new JwsHeader(key.Algorithm, "JWT", key.KeyId);
        var claims = new SlurmClaims(issued + (long)lifespan.TotalSeconds, issued, userName);
        string signingInput = Base64Url.Encode(JsonSerializer.SerializeToUtf8Bytes(header, CompactJson.Default.JwsHeader))
            + "." + Base64Url.Encode(JsonSerializer.SerializeToUtf8Bytes(claims, CompactJson.Default.SlurmClaims));
        byte[] signature = key.Sign(Encoding.ASCII.GetBytes(signingInput));
        return signingInput + "." + Base64Url.Encode(signature);
    }

    /// <summary>
    /// Verifies <paramref name="token"/> against <paramref name="keys"/>; throws
    /// <see cref="TokenRejectedException"/> saying why when it does not verify.
    /// </summary>
    public static VerifiedToken Verify(string token, IReadOnlyCollection<JwtKey> keys, TimeProvider? time = null)
    {
        ArgumentNullException.ThrowIfNull(keys);
        if (string.IsNullOrWhiteSpace(token))
            throw new TokenRejectedException("no token given");
        token = token.Trim();
        if (token.Length > MaxTokenLength)
            throw new TokenRejectedException($"token is {token.Length} characters; a JWT is at most a few KiB (is this the right input?)");
        string[] parts = token.Split('.');
        if (parts.Length == 5)
            throw new TokenRejectedException("token is an encrypted JWT (JWE, five parts); Slurm takes signed tokens (JWS, three parts)");
        if (parts.Length != 3)
            throw new TokenRejectedException($"token has {parts.Length} dot-separated parts; a signed JWT has three (header.payload.signature)");

        using JsonDocument header = ParseObject(parts[0], "header");
        string algorithm = RequiredString(header.RootElement, "alg", "header");
        if (algorithm.Equals("none", StringComparison.OrdinalIgnoreCase))
            throw new TokenRejectedException("token is unsigned (alg \"none\"); Slurm only accepts HS256 and RS256");
        if (algorithm is not (JwtKey.HS256 or JwtKey.RS256))
            throw new TokenRejectedException($"token alg \"{Printable(algorithm)}\" is not supported; Slurm's auth/jwt accepts HS256 and RS256");
        if (header.RootElement.TryGetProperty("typ", out JsonElement typ) && !(typ.ValueKind == JsonValueKind.String && string.Equals(typ.GetString(), "JWT", StringComparison.OrdinalIgnoreCase)))
            throw new TokenRejectedException("token header \"typ\" is not \"JWT\"");
        // RFC 7515 §4.1.11: extensions the verifier does not understand must fail the token.
        if (header.RootElement.TryGetProperty("crit", out _))
            throw new TokenRejectedException("token header has \"crit\" extensions, which are not supported");
        string? keyId = OptionalString(header.RootElement, "kid", "header");

        JwtKey key = SelectKey(algorithm, keyId, keys);
        if (!Base64Url.TryDecode(parts[2], out byte[] signature))
            throw new TokenRejectedException("token signature is not valid base64url");
        if (!key.Verify(Encoding.ASCII.GetBytes(string.Concat(parts[0], ".", parts[1])), signature))
            throw new TokenRejectedException($"signature does not verify with {key}: the token was altered, or signed with another key");

        DateTimeOffset now = (time ?? TimeProvider.System).GetUtcNow();
        using JsonDocument payload = ParseObject(parts[1], "payload");
        long expires = RequiredInteger(payload.RootElement, "exp");
        long issued = RequiredInteger(payload.RootElement, "iat");
        string user = OptionalString(payload.RootElement, "sun", "payload")
            ?? OptionalString(payload.RootElement, "username", "payload")
            ?? throw new TokenRejectedException("token names no user: it has neither a \"sun\" nor a \"username\" claim");
        if (expires < now.ToUnixTimeSeconds())
            throw new TokenRejectedException($"token expired at {Format(FromUnix(expires))} (now {Format(now)}): mint a new one");
        return new VerifiedToken(user, FromUnix(issued), FromUnix(expires), algorithm, keyId);
    }

    private static JwtKey SelectKey(string algorithm, string? keyId, IReadOnlyCollection<JwtKey> keys)
    {
        if (keys.Count == 0)
            throw new TokenRejectedException("no verification keys were given");
        // Only keys of the header's alg are candidates, so an RSA public key can never be used as an HMAC secret.
        var candidates = keys.Where(k => k.Algorithm == algorithm).ToList();
        if (algorithm == JwtKey.RS256)
        {
            // Slurm 22.05 refuses an RS256 token without kid ("no kid in credential").
            if (keyId is null)
                throw new TokenRejectedException("RS256 token has no \"kid\" header; Slurm matches RS256 tokens to a jwks= key by kid");
            return candidates.FirstOrDefault(k => k.KeyId == keyId)
                ?? throw new TokenRejectedException($"no RS256 key with kid \"{Printable(keyId)}\"{Known(candidates)}: it was retired, or the JWKS given is not the one it was signed for");
        }
        if (keyId is not null)
        {
            // Slurm 22.05's auth/jwt ignores kid for HS256 and uses its one jwt_key, so a kid-less key still applies.
            return candidates.FirstOrDefault(k => k.KeyId == keyId)
                ?? candidates.FirstOrDefault(k => k.KeyId is null)
                ?? throw new TokenRejectedException($"no HS256 key with kid \"{Printable(keyId)}\"{Known(candidates)}");
        }
        return candidates.FirstOrDefault(k => k.KeyId is null)
            ?? candidates.FirstOrDefault()
            ?? throw new TokenRejectedException("token is HS256 but no HS256 key was given (give jwt_hs256.key)");
    }

    private static string Known(List<JwtKey> candidates) =>
        candidates.Count == 0 ? " (no key of that kind was given)" : $" (known: {string.Join(", ", candidates.Select(k => k.KeyId ?? "(no kid)"))})";

    private static JsonDocument ParseObject(string part, string what)
    {
        if (!Base64Url.TryDecode(part, out byte[] json))
            throw new TokenRejectedException($"token {what} is not valid base64url");
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(json);
        }
        catch (JsonException)
        {
            throw new TokenRejectedException($"token {what} is not valid JSON");
        }
        if (document.RootElement.ValueKind != JsonValueKind.Object)
        {
            document.Dispose();
            throw new TokenRejectedException($"token {what} is not a JSON object");
        }
        if (!JsonText.IsReadable(document.RootElement))
        {
            document.Dispose();
            throw new TokenRejectedException($"token {what} has a name or string that is not valid UTF-8 text");
        }
        return document;
    }

    private static string RequiredString(JsonElement element, string name, string where) =>
        OptionalString(element, name, where) ?? throw new TokenRejectedException($"token {where} has no \"{name}\"");

    private static string? OptionalString(JsonElement element, string name, string where)
    {
        if (!element.TryGetProperty(name, out JsonElement value))
            return null;
        if (value.ValueKind != JsonValueKind.String)
            throw new TokenRejectedException($"token {where} \"{name}\" is not a string");
        return value.GetString();
    }

    private static long RequiredInteger(JsonElement payload, string name)
    {
        if (!payload.TryGetProperty(name, out JsonElement value))
            throw new TokenRejectedException($"token has no \"{name}\" claim; Slurm requires \"iat\" and \"exp\" (Unix times)");
        if (value.ValueKind != JsonValueKind.Number || !value.TryGetInt64(out long number))
            throw new TokenRejectedException($"token claim \"{name}\" is not an integer Unix time");
        if (number < 0 || number > DateTimeOffset.MaxValue.ToUnixTimeSeconds())
            throw new TokenRejectedException($"token claim \"{name}\" is out of range");
        return number;
    }

    private static DateTimeOffset FromUnix(long seconds) => DateTimeOffset.FromUnixTimeSeconds(seconds);

    internal static string Format(DateTimeOffset time) => time.UtcDateTime.ToString("yyyy-MM-dd HH:mm:ss'Z'", CultureInfo.InvariantCulture);

    // Header values come from whoever made the token: keep messages short and printable.
    private static string Printable(string s)
    {
        string cut = s.Length > 64 ? s[..64] + "..." : s;
        return string.Concat(cut.Select(c => char.IsControl(c) ? '?' : c));
    }
}
