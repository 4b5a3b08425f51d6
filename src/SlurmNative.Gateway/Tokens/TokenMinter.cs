using SlurmNative.Gateway.Configuration;
using SlurmNative.Jwt;
using SlurmNative.Jwt.Keys;
using SlurmNative.Jwt.Tokens;

namespace SlurmNative.Gateway.Tokens;

/// <summary>
/// Mints Slurm JWTs with the key slurmctld verifies. The key file is read again whenever it
/// changes on disk, so a rotation (jwt rsa rotate, slurm-jwks add) takes effect on the
/// next token without restarting the gateway; a broken file keeps the last good key and
/// says so, because refusing every login over a half-edited file helps nobody.
/// </summary>
internal sealed class TokenMinter(SigningKeyKind kind, string path, uint? slurmUserUid, Action<string> warn, TimeProvider? clock = null) : ITokenMinter, IDisposable
{
    private readonly Lock gate = new();
    private JwtKey? key;
    // The key set a key belongs to owns it: disposing the set wipes the key.
    private IDisposable? keyOwner;
    private (DateTime Modified, long Length) loadedVersion;

    public string Mint(string userName, TimeSpan lifespan) =>
        SlurmToken.Mint(userName, lifespan, CurrentKey(), clock);

    /// <summary>Loads the key now, so a missing or unsafe key file stops the gateway at startup.</summary>
    public void Check() => CurrentKey();

    private JwtKey CurrentKey()
    {
        lock (gate)
        {
            var info = new FileInfo(path);
            (DateTime, long) version = info.Exists ? (info.LastWriteTimeUtc, info.Length) : default;
            if (key is not null && version == loadedVersion)
                return key;
            try
            {
                var (fresh, owner) = Load();
                keyOwner?.Dispose();
                key = fresh;
                keyOwner = owner;
                loadedVersion = version;
            }
            catch (JwtKeyException e) when (key is not null)
            {
                warn($"keeping the previous signing key: {e.Message}");
            }
            return key;
        }
    }

    private (JwtKey Key, IDisposable Owner) Load()
    {
        switch (kind)
        {
            case SigningKeyKind.Hs256KeyFile:
            {
                HmacKey hmac = Hs256KeyFile.Load(path, slurmUserUid);
                return (hmac, hmac);
            }
            default:
            {
                RsaKeySet set = RsaKeySet.Load(path, slurmUserUid);
                return (set.Current, set);
            }
        }
    }

    public void Dispose()
    {
        lock (gate)
            keyOwner?.Dispose();
    }
}
