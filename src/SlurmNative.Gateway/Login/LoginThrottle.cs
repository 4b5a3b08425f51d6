namespace SlurmNative.Gateway.Login;

/// <summary>
/// Failed logins counted per user name and per source address over a sliding window.
/// Both limits apply: one address guessing many names, and many addresses guessing one
/// name, are each stopped. Only failures count, so a user who types the password right
/// is never locked out by their own successful logins.
/// </summary>
internal sealed class LoginThrottle(int failuresPerUser, int failuresPerAddress, TimeSpan window, TimeProvider? clock = null)
{
    // Bounded so that a flood of distinct names cannot grow memory without limit.
    private const int MaxTrackedKeys = 100_000;

    private readonly TimeProvider time = clock ?? TimeProvider.System;
    private readonly Dictionary<string, Queue<DateTimeOffset>> failures = new(StringComparer.Ordinal);
    private readonly Lock gate = new();

    /// <summary>Null when a login may be attempted, else how long the caller should wait.</summary>
    public TimeSpan? RetryAfter(string userName, string address)
    {
        lock (gate)
        {
            DateTimeOffset now = time.GetUtcNow();
            TimeSpan? user = Blocked(UserKey(userName), failuresPerUser, now);
            TimeSpan? source = Blocked(AddressKey(address), failuresPerAddress, now);
            return user > source || source is null ? user : source;
        }
    }

    public void RecordFailure(string userName, string address)
    {
        lock (gate)
        {
            DateTimeOffset now = time.GetUtcNow();
            if (failures.Count >= MaxTrackedKeys)
                Prune(now);
            Add(UserKey(userName), now);
            Add(AddressKey(address), now);
        }
    }

    private static string UserKey(string userName) => "u:" + userName;

    private static string AddressKey(string address) => "a:" + address;

    private TimeSpan? Blocked(string key, int limit, DateTimeOffset now)
    {
        if (!failures.TryGetValue(key, out var times))
            return null;
        Expire(times, now);
        if (times.Count == 0)
        {
            failures.Remove(key);
            return null;
        }
        return times.Count >= limit ? times.Peek() + window - now : null;
    }

    private void Add(string key, DateTimeOffset now)
    {
        if (!failures.TryGetValue(key, out var times))
            failures[key] = times = new Queue<DateTimeOffset>();
        Expire(times, now);
        times.Enqueue(now);
        // Only the newest failures up to the largest limit matter.
        while (times.Count > Math.Max(failuresPerUser, failuresPerAddress))
            times.Dequeue();
    }

    private void Expire(Queue<DateTimeOffset> times, DateTimeOffset now)
    {
        while (times.Count > 0 && times.Peek() + window <= now)
            times.Dequeue();
    }

    private void Prune(DateTimeOffset now)
    {
        foreach (string key in failures.Keys.ToList())
        {
            Expire(failures[key], now);
            if (failures[key].Count == 0)
                failures.Remove(key);
        }
        // Still full of live entries: forget the oldest half rather than refuse to count.
        if (failures.Count >= MaxTrackedKeys)
        {
            foreach (string key in failures.OrderBy(kv => kv.Value.Last()).Take(failures.Count / 2).Select(kv => kv.Key).ToList())
                failures.Remove(key);
        }
    }
}
