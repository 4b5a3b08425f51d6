using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Text;
using System.Text.Json;
using SlurmNative.Jwt.Keys;
using SlurmNative.Jwt.Tokens;

// usage: SlurmNative.GatewayBench GATEWAY_URL RESTD_URL HS256_KEY SECONDS CLIENTS USER=PASSWORD...
if (args.Length < 6)
{
    Console.Error.WriteLine("usage: SlurmNative.GatewayBench GATEWAY_URL RESTD_URL HS256_KEY SECONDS CLIENTS USER=PASSWORD...");
    return 2;
}
var gateway = new Uri(args[0]);
var restd = new Uri(args[1]);
using HmacKey key = Hs256KeyFile.Load(args[2], SlurmUid());
double seconds = double.Parse(args[3], CultureInfo.InvariantCulture);
int clients = int.Parse(args[4], CultureInfo.InvariantCulture);
var users = args.Skip(5).Select(a => a.Split('=', 2)).Select(p => (User: p[0], Password: p[1])).ToArray();

using var http = new HttpClient(new SocketsHttpHandler { MaxConnectionsPerServer = clients * 2 }) { Timeout = TimeSpan.FromSeconds(60) };

// Logins: each one is a KDC AS exchange, a MUNGE-authenticated durable add in slurmnatived, and a session.
var logins = await Phase("logins through the gateway", seconds, clients, async (worker, n) =>
{
    var (user, password) = users[(worker + n) % users.Length];
    using var response = await http.PostAsync(new Uri(gateway, "api/v1/login"), Json(new() { ["username"] = user, ["password"] = password }));
    return response.StatusCode == HttpStatusCode.OK;
});

var sessions = new Dictionary<string, string>();
foreach (var (user, password) in users)
{
    using var response = await http.PostAsync(new Uri(gateway, "api/v1/login"), Json(new() { ["username"] = user, ["password"] = password }));
    response.EnsureSuccessStatusCode();
    using var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
    sessions[user] = body.RootElement.GetProperty("session").GetString()!;
}

const string Script = "#!/bin/sh\ntrue\n";
string gatewayJob = JsonSerializer.Serialize(new Dictionary<string, object>
{
    ["script"] = Script, ["name"] = "bench", ["partition"] = "debug", ["time_limit_minutes"] = 1,
    ["working_directory"] = "/tmp", ["output"] = "/dev/null",
});
string directJob = JsonSerializer.Serialize(new Dictionary<string, object>
{
    ["script"] = Script,
    ["job"] = new Dictionary<string, object>
    {
        ["name"] = "bench", ["partition"] = "debug", ["time_limit"] = 1, ["nodes"] = new[] { 1, 1 },
        ["current_working_directory"] = "/tmp", ["standard_output"] = "/dev/null",
        ["environment"] = new Dictionary<string, string> { ["PATH"] = "/usr/local/bin:/usr/bin:/bin" },
    },
});

int firstFailureShown = 0;

// Alternating rounds, so drift (slurmctld's growing job table) hits both alike.
var viaGateway = new List<double>();
var direct = new List<double>();
int gatewayOk = 0, directOk = 0;
double gatewayTime = 0, directTime = 0;
for (int round = 0; round < 4; round++)
{
    var d = await Phase(null, seconds / 4, clients, async (worker, n) =>
    {
        var (user, _) = users[(worker + n) % users.Length];
        using var request = new HttpRequestMessage(HttpMethod.Post, new Uri(restd, "slurm/v0.0.38/job/submit")) { Content = new ByteArrayContent(Encoding.UTF8.GetBytes(directJob)) };
        // slurmrestd 22.05 matches the media type exactly: "; charset=utf-8" makes it refuse the body.
        request.Content.Headers.ContentType = new("application/json");
        // Minted per request, as the gateway does, so the comparison is like for like.
        request.Headers.Add("X-SLURM-USER-NAME", user);
        request.Headers.Add("X-SLURM-USER-TOKEN", SlurmToken.Mint(user, TimeSpan.FromSeconds(60), key));
        using var response = await http.SendAsync(request);
        string text = await response.Content.ReadAsStringAsync();
        bool accepted = response.IsSuccessStatusCode && text.Contains("\"job_id\"", StringComparison.Ordinal);
        if (!accepted && Interlocked.Exchange(ref firstFailureShown, 1) == 0)
            Console.Error.WriteLine($"bench: slurmrestd refused a submission ({(int)response.StatusCode}): {text[..Math.Min(400, text.Length)]}");
        return accepted;
    });
    direct.AddRange(d.Latencies); directOk += d.Ok; directTime += d.Seconds;
    var g = await Phase(null, seconds / 4, clients, async (worker, n) =>
    {
        var (user, _) = users[(worker + n) % users.Length];
        using var request = new HttpRequestMessage(HttpMethod.Post, new Uri(gateway, "api/v1/jobs")) { Content = new StringContent(gatewayJob, Encoding.UTF8, "application/json") };
        request.Headers.Authorization = new("Bearer", sessions[user]);
        using var response = await http.SendAsync(request);
        return response.StatusCode == HttpStatusCode.Created;
    });
    viaGateway.AddRange(g.Latencies); gatewayOk += g.Ok; gatewayTime += g.Seconds;
}
Report("submissions straight to slurmrestd", directOk, directTime, direct);
Report("submissions through the gateway", gatewayOk, gatewayTime, viaGateway);
Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
    $"gateway/direct: throughput {gatewayOk / gatewayTime / (directOk / directTime):0.00}x, p50 +{Percentile(viaGateway, 50) - Percentile(direct, 50):0.0} ms"));
return logins.Ok > 0 && gatewayOk > 0 && directOk > 0 ? 0 : 1;

static uint? SlurmUid()
{
    foreach (string line in File.ReadLines("/etc/passwd"))
    {
        string[] f = line.Split(':');
        if (f.Length > 2 && f[0] == "slurm")
            return uint.Parse(f[2], CultureInfo.InvariantCulture);
    }
    return null;
}

static StringContent Json(Dictionary<string, string> fields) => new(JsonSerializer.Serialize(fields), Encoding.UTF8, "application/json");

static async Task<(int Ok, double Seconds, List<double> Latencies)> Phase(string? name, double seconds, int clients, Func<int, int, Task<bool>> call)
{
    var latencies = new List<double>[clients];
    int ok = 0, failed = 0;
    var clock = Stopwatch.StartNew();
    var end = TimeSpan.FromSeconds(seconds);
    await Task.WhenAll(Enumerable.Range(0, clients).Select(async worker =>
    {
        latencies[worker] = [];
        for (int n = 0; clock.Elapsed < end; n++)
        {
            long start = Stopwatch.GetTimestamp();
            bool success = await call(worker, n);
            latencies[worker].Add(Stopwatch.GetElapsedTime(start).TotalMilliseconds);
            if (success) Interlocked.Increment(ref ok); else Interlocked.Increment(ref failed);
        }
    }));
    double elapsed = clock.Elapsed.TotalSeconds;
    var all = latencies.SelectMany(l => l).ToList();
    if (failed > 0)
        Console.Error.WriteLine($"bench: {failed} requests failed{(name is null ? "" : " in " + name)}");
    if (name is not null)
        Report(name, ok, elapsed, all);
    return (ok, elapsed, all);
}

static void Report(string name, int ok, double elapsed, List<double> latencies) =>
    Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
        $"{name,-38} {ok / elapsed,8:0.0}/s   p50 {Percentile(latencies, 50),6:0.0} ms   p99 {Percentile(latencies, 99),6:0.0} ms   ({ok} ok)"));

static double Percentile(List<double> values, int p)
{
    if (values.Count == 0) return double.NaN;
    var sorted = values.Order().ToList();
    return sorted[Math.Min(sorted.Count - 1, (int)Math.Ceiling(p / 100.0 * sorted.Count) - 1)];
}
