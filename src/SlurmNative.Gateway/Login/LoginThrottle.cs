namespace SlurmNative.Gateway.Login;

/// <summary>
/// Login attempts limited per user name and per source address over a sliding window. An attempt
/// is counted from the moment it is let through to the KDC until its outcome is known (<see cref="LoginAttempt"/>),
/// so parallel guesses cannot all pass a check that only sees finished failures: a user name has at
/// most one KDC exchange in flight, and failures plus attempts in flight never exceed either limit.
/// Both limits apply: one address guessing many names, and many addresses guessing one name, are
/// each stopped. Only failures stay counted, so a user who types the password right is never locked
/// out by their own successful logins. Callers pass user names already normalised
/// (<see cref="UserKey"/>), so that Alice and alice share one budget.
/// </summary>
internal sealed class LoginThrottle(int failuresPerUser, int failuresPerAddress, TimeSpan window, TimeProvider? clock = null)
{
    // Bounded so that a flood of distinct names cannot grow memory without limit.
    private const int MaxTrackedKeys = 100_000;

    /// <summary>How long a caller refused because another attempt for the name is in flight should wait.</summary>
    internal static readonly TimeSpan InFlightRetry = TimeSpan.FromSeconds(1);

    private readonly TimeProvider time = clock ?? TimeProvider.System;
    private readonly Dictionary<string, Queue<DateTimeOffset>> failures = new(StringComparer.Ordinal);
    private readonly Dictionary<string, int> inFlight = new(StringComparer.Ordinal);
    private readonly Lock gate = new();

    /// <summary>
    /// The name the budget is kept under: the account's own name when the name service knows it (so
    /// whatever case or alias resolved to it counts against that account), else the name in lower case
    /// (Kerberos realms such as Active Directory match names without regard to case).
    /// </summary>
    public static string UserKey(string typedName, LocalAccount? account) => (account?.Name ?? typedName).ToLowerInvariant();

    /// <summary>
    /// Either an attempt the caller must dispose once the KDC has answered (after <see cref="LoginAttempt.Fail"/>
    /// if the login failed), or null with <paramref name="refusal"/> saying how long to wait.
    /// </summary>
    public LoginAttempt? TryBegin(string userKey, string addressKey, out ThrottleRefusal refusal)
    {
        string user = "u:" + userKey;
        string address = "a:" + addressKey;
        lock (gate)
        {
            DateTimeOffset now = time.GetUtcNow();
            var (userWait, userBusy) = Blocked(user, failuresPerUser, now);
            var (addressWait, addressBusy) = Blocked(address, failuresPerAddress, now);
            if (userWait is not null || addressWait is not null)
            {
                refusal = new ThrottleRefusal(Longer(userWait, addressWait), (userWait is null || userBusy) && (addressWait is null || addressBusy));
                return null;
            }
            if (failures.Count + inFlight.Count >= MaxTrackedKeys)
                Prune(now);
            inFlight[user] = InFlight(user) + 1;
            inFlight[address] = InFlight(address) + 1;
            refusal = default;
            return new LoginAttempt(this, user, address);
        }
    }

    /// <summary>Called once per attempt by <see cref="LoginAttempt.Dispose"/>.</summary>
    internal void End(string user, string address, bool failed)
    {
        lock (gate)
        {
            DateTimeOffset now = time.GetUtcNow();
            Release(user);
            Release(address);
            if (failed)
            {
                Add(user, now);
                Add(address, now);
            }
        }
    }

    private int InFlight(string key) => inFlight.GetValueOrDefault(key);

    private void Release(string key)
    {
        int left = InFlight(key) - 1;
        if (left <= 0)
            inFlight.Remove(key);
        else
            inFlight[key] = left;
    }

    /// <summary>
    /// Null when one more attempt fits under <paramref name="limit"/>; else how long until one does, and
    /// whether only attempts in flight stand in the way. A user name is also blocked while one of its
    /// attempts is in flight.
    /// </summary>
    private (TimeSpan? Wait, bool InFlightOnly) Blocked(string key, int limit, DateTimeOffset now)
    {
        int flying = InFlight(key);
        int failed = 0;
        TimeSpan? oldestExpires = null;
        if (failures.TryGetValue(key, out var times))
        {
            Expire(times, now);
            if (times.Count == 0)
                failures.Remove(key);
            failed = times.Count;
            if (failed > 0)
                oldestExpires = times.Peek() + window - now;
        }
        bool oneAtATime = key.StartsWith("u:", StringComparison.Ordinal) && flying > 0;
        if (!oneAtATime && failed + flying < limit)
            return (null, false);
        // Over the limit on failures alone: wait for the oldest to leave the window. Otherwise an
        // attempt in flight will settle it within the KDC's timeout.
        return failed >= limit && oldestExpires is { } wait ? (wait, false) : (InFlightRetry, true);
    }

    private static TimeSpan Longer(TimeSpan? a, TimeSpan? b) => (a ?? TimeSpan.Zero) > (b ?? TimeSpan.Zero) ? a!.Value : b!.Value;

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
        // Still full of live entries: forget the oldest half rather than refuse to count. Attempts in
        // flight are never forgotten; they leave on their own when the KDC answers.
        if (failures.Count >= MaxTrackedKeys / 2)
        {
            foreach (string key in failures.OrderBy(kv => kv.Value.Last()).Take(failures.Count / 2).Select(kv => kv.Key).ToList())
                failures.Remove(key);
        }
    }
}
