using System.Collections.Concurrent;
using System.Security.Cryptography;
using SlurmNative.Gateway.Policy;

namespace SlurmNative.Gateway.Sessions;

/// <summary>
/// Bearer sessions held in memory. The client's token is 256 random bits; the store keeps
/// only its SHA-256, so the table is useless to whoever reads the gateway's memory, and a
/// lookup compares digests, never the secret itself, so its timing says nothing about the
/// token. A restart logs everyone out, which is the safe side. One user holds at most
/// <c>maxPerUser</c> sessions: a new one closes that user's session that would end first, so a
/// script that logs in again and again (or someone who knows one password) cannot fill the table
/// that everyone shares, and nobody is locked out by sessions they no longer hold tokens for.
/// </summary>
internal sealed class SessionStore(TimeSpan lifetime, int maxSessions, int maxPerUser, TimeProvider? clock = null)
{
    private const int TokenBytes = 32;
    private readonly TimeProvider time = clock ?? TimeProvider.System;
    private readonly ConcurrentDictionary<string, Session> sessions = new(StringComparer.Ordinal);
    // Creation is rare next to lookups: serialising it keeps both caps exact under parallel logins.
    private readonly Lock creating = new();

    /// <summary>A new session ending at <paramref name="notAfter"/> at the latest; returns the bearer token.</summary>
    public (string Token, Session Session) Create(string userName, uint uid, string home, Grant grant, DateTimeOffset notAfter)
    {
        lock (creating)
        {
            DateTimeOffset now = time.GetUtcNow();
            var own = sessions.Where(kv => kv.Value.Uid == uid).OrderBy(kv => kv.Value.Expires).ToList();
            foreach (var (key, _) in own.Take(Math.Max(0, own.Count - maxPerUser + 1)))
                sessions.TryRemove(key, out _);
            if (sessions.Count >= maxSessions)
            {
                RemoveExpired(now);
                if (sessions.Count >= maxSessions)
                    throw new TooManySessionsException($"the gateway holds its maximum of {maxSessions} sessions; try again later (admins: raise sessions.max_sessions or shorten sessions.lifetime)");
            }
            DateTimeOffset end = now + lifetime < notAfter ? now + lifetime : notAfter;
            string token = Base64UrlToken(RandomNumberGenerator.GetBytes(TokenBytes));
            var session = new Session(userName, uid, home, grant, end);
            sessions[Digest(token)] = session;
            return (token, session);
        }
    }

    /// <summary>How many live sessions there are (for the metrics; a scan, so not per request).</summary>
    public int Count
    {
        get
        {
            DateTimeOffset now = time.GetUtcNow();
            return sessions.Values.Count(s => s.Expires > now);
        }
    }

    /// <summary>How many live sessions <paramref name="uid"/> holds.</summary>
    public int CountOf(uint uid)
    {
        DateTimeOffset now = time.GetUtcNow();
        return sessions.Values.Count(s => s.Uid == uid && s.Expires > now);
    }

    public Session? Find(string? token)
    {
        if (string.IsNullOrEmpty(token) || token.Length > 128)
            return null;
        string key = Digest(token);
        if (!sessions.TryGetValue(key, out Session? session))
            return null;
        if (session.Expires <= time.GetUtcNow())
        {
            sessions.TryRemove(key, out _);
            return null;
        }
        return session;
    }

    public bool Remove(string token) => sessions.TryRemove(Digest(token), out _);

    private void RemoveExpired(DateTimeOffset now)
    {
        foreach (var (key, session) in sessions)
        {
            if (session.Expires <= now)
                sessions.TryRemove(key, out _);
        }
    }

    private static string Digest(string token) => Convert.ToHexString(SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(token)));

    private static string Base64UrlToken(byte[] bytes) => System.Buffers.Text.Base64Url.EncodeToString(bytes);
}
