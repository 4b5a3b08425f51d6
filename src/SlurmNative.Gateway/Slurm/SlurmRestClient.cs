using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using SlurmNative.Gateway.Jobs;

namespace SlurmNative.Gateway.Slurm;

/// <summary>
/// A slurmrestd call failed. <see cref="StatusCode"/> and <see cref="Exception.Message"/> are what the
/// gateway's client gets: never slurmrestd's address, nor anything slurmrestd said about the gateway's
/// own credentials. <see cref="Detail"/> is the whole story, for the gateway's log.
/// </summary>
internal sealed class SlurmRestException(HttpStatusCode statusCode, string message, string? detail = null) : Exception(message)
{
    public HttpStatusCode StatusCode { get; } = statusCode;

    public string Detail { get; } = detail ?? message;
}

/// <summary>
/// The few slurmrestd calls the gateway makes, each authenticated as one user with a token
/// minted for that call (X-SLURM-USER-NAME / X-SLURM-USER-TOKEN). Bodies are written with
/// Utf8JsonWriter and read with JsonDocument: no reflection, and only the fields used.
/// </summary>
internal sealed class SlurmRestClient(HttpClient http, string apiVersion)
{
    public async Task<long> SubmitAsync(string userName, string token, ValidatedJob job, CancellationToken cancel)
    {
        using var request = Request(HttpMethod.Post, "job/submit", userName, token);
        request.Content = new ByteArrayContent(SubmissionBody(job));
        request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        using JsonDocument reply = await SendAsync(request, cancel).ConfigureAwait(false);
        if (reply.RootElement.ValueKind == JsonValueKind.Object && reply.RootElement.TryGetProperty("job_id", out JsonElement id)
            && id.ValueKind == JsonValueKind.Number && id.TryGetInt64(out long jobId) && jobId > 0)
            return jobId;
        throw new SlurmRestException(HttpStatusCode.BadGateway, $"slurmrestd accepted the job but returned no job id: {Scrub(Errors(reply))}");
    }

    public async Task<IReadOnlyList<JobSummary>> ListAsync(string userName, string token, CancellationToken cancel)
    {
        using var request = Request(HttpMethod.Get, "jobs", userName, token);
        using JsonDocument reply = await SendAsync(request, cancel).ConfigureAwait(false);
        return Jobs(reply);
    }

    public async Task<JobSummary?> ShowAsync(string userName, string token, long jobId, CancellationToken cancel)
    {
        using var request = Request(HttpMethod.Get, $"job/{jobId.ToString(CultureInfo.InvariantCulture)}", userName, token);
        try
        {
            using JsonDocument reply = await SendAsync(request, cancel).ConfigureAwait(false);
            return Jobs(reply).FirstOrDefault(j => j.JobId == jobId);
        }
        catch (SlurmRestException e) when (e.StatusCode is HttpStatusCode.NotFound || e.Message.Contains("Invalid job id", StringComparison.OrdinalIgnoreCase))
        {
            return null;
        }
    }

    public async Task CancelAsync(string userName, string token, long jobId, CancellationToken cancel)
    {
        using var request = Request(HttpMethod.Delete, $"job/{jobId.ToString(CultureInfo.InvariantCulture)}", userName, token);
        using JsonDocument reply = await SendAsync(request, cancel).ConfigureAwait(false);
    }

    internal static byte[] SubmissionBody(ValidatedJob job)
    {
        using var buffer = new MemoryStream();
        using (var w = new Utf8JsonWriter(buffer))
        {
            w.WriteStartObject();
            w.WriteString("script", job.Script);
            w.WriteStartObject("job");
            w.WriteString("name", job.Name);
            w.WriteString("partition", job.Partition);
            if (job.Account is not null)
                w.WriteString("account", job.Account);
            if (job.TimeLimitMinutes is { } minutes)
                w.WriteNumber("time_limit", minutes);
            w.WriteStartArray("nodes");
            w.WriteNumberValue(job.Nodes);
            w.WriteNumberValue(job.Nodes);
            w.WriteEndArray();
            if (job.Tasks is { } tasks)
                w.WriteNumber("tasks", tasks);
            if (job.CpusPerTask is { } cpus)
                w.WriteNumber("cpus_per_task", cpus);
            if (job.MemoryPerNodeMb is { } memory)
                w.WriteNumber("memory_per_node", memory);
            w.WriteString("current_working_directory", job.WorkingDirectory);
            if (job.Output is not null)
                w.WriteString("standard_output", job.Output);
            if (job.Error is not null)
                w.WriteString("standard_error", job.Error);
            w.WriteStartObject("environment");
            foreach (var (key, value) in job.Environment)
                w.WriteString(key, value);
            w.WriteEndObject();
            w.WriteEndObject();
            w.WriteEndObject();
        }
        return buffer.ToArray();
    }

    private HttpRequestMessage Request(HttpMethod method, string path, string userName, string token)
    {
        var request = new HttpRequestMessage(method, $"slurm/{apiVersion}/{path}");
        request.Headers.Add("X-SLURM-USER-NAME", userName);
        request.Headers.Add("X-SLURM-USER-TOKEN", token);
        return request;
    }

    private async Task<JsonDocument> SendAsync(HttpRequestMessage request, CancellationToken cancel)
    {
        HttpResponseMessage response;
        try
        {
            response = await http.SendAsync(request, cancel).ConfigureAwait(false);
        }
        catch (HttpRequestException e)
        {
            throw new SlurmRestException(HttpStatusCode.ServiceUnavailable, "the cluster's REST service (slurmrestd) is unreachable; try again later",
                $"slurmrestd at {http.BaseAddress} is unreachable: {e.Message}");
        }
        catch (TaskCanceledException) when (!cancel.IsCancellationRequested)
        {
            throw new SlurmRestException(HttpStatusCode.GatewayTimeout, $"the cluster's REST service (slurmrestd) did not answer within {http.Timeout.TotalSeconds:0} s; try again later",
                $"slurmrestd at {http.BaseAddress} did not answer within {http.Timeout.TotalSeconds:0} s");
        }
        using (response)
        {
            byte[] body = await response.Content.ReadAsByteArrayAsync(cancel).ConfigureAwait(false);
            JsonDocument? document = null;
            try
            {
                document = JsonDocument.Parse(body);
            }
            catch (JsonException)
            {
            }
            // Names or strings that are not text would throw when read: such a reply is not JSON to the gateway.
            if (document is not null && !Jwt.Tokens.JsonText.IsReadable(document.RootElement))
            {
                document.Dispose();
                document = null;
            }
            if (response.IsSuccessStatusCode && document is not null && !HasErrors(document))
                return document;
            string detail = document is null ? Snippet(body) : Errors(document);
            document?.Dispose();
            string logged = $"slurmrestd at {http.BaseAddress} refused the request (HTTP {(int)response.StatusCode}): {detail}";
            // Its verdict on the gateway's own token, and a body that is not slurmrestd's JSON (a proxy's
            // error page), are for the administrators; slurmctld's reasons for refusing a job are the user's.
            if (response.StatusCode is HttpStatusCode.Unauthorized or HttpStatusCode.Forbidden)
                throw new SlurmRestException(HttpStatusCode.BadGateway, "slurmrestd did not accept the gateway's credentials; contact the administrators", logged);
            if (document is null)
                throw new SlurmRestException(Map(response.StatusCode), $"slurmrestd refused the request (HTTP {(int)response.StatusCode}) without saying why", logged);
            throw new SlurmRestException(Map(response.StatusCode), $"slurmrestd refused the request (HTTP {(int)response.StatusCode}): {Scrub(detail)}", logged);
        }
    }

    /// <summary>slurmrestd's own address never reaches a client, even where an error message quotes it, with or without its port.</summary>
    private string Scrub(string text) =>
        http.BaseAddress is { } address
            ? text.Replace(address.Authority, "slurmrestd", StringComparison.OrdinalIgnoreCase).Replace(address.Host, "slurmrestd", StringComparison.OrdinalIgnoreCase)
            : text;

    /// <summary>
    /// slurmrestd's statuses describe its own view (a bad token is 401, a bad job 500);
    /// the gateway's client needs: was it them (4xx) or the cluster (502).
    /// </summary>
    private static HttpStatusCode Map(HttpStatusCode status) => status switch
    {
        HttpStatusCode.Unauthorized or HttpStatusCode.Forbidden => HttpStatusCode.BadGateway,
        HttpStatusCode.NotFound => HttpStatusCode.NotFound,
        _ when (int)status is >= 400 and < 500 => HttpStatusCode.BadRequest,
        _ => HttpStatusCode.BadGateway,
    };

    private static bool HasErrors(JsonDocument document) =>
        document.RootElement.ValueKind == JsonValueKind.Object
        && document.RootElement.TryGetProperty("errors", out JsonElement errors)
        && errors.ValueKind == JsonValueKind.Array && errors.GetArrayLength() > 0;

    internal static string Errors(JsonDocument document)
    {
        if (document.RootElement.ValueKind != JsonValueKind.Object || !document.RootElement.TryGetProperty("errors", out JsonElement errors) || errors.ValueKind != JsonValueKind.Array)
            return "no error detail";
        var parts = new List<string>();
        foreach (JsonElement error in errors.EnumerateArray())
        {
            if (error.ValueKind != JsonValueKind.Object)
                continue;
            string? text = error.TryGetProperty("error", out JsonElement e) && e.ValueKind == JsonValueKind.String ? e.GetString() : null;
            string? description = error.TryGetProperty("description", out JsonElement d) && d.ValueKind == JsonValueKind.String ? d.GetString() : null;
            parts.Add(string.Join(": ", new[] { description, text }.Where(s => !string.IsNullOrEmpty(s))));
        }
        return parts.Count == 0 ? "no error detail" : string.Join("; ", parts);
    }

    private static IReadOnlyList<JobSummary> Jobs(JsonDocument document)
    {
        var jobs = new List<JobSummary>();
        if (document.RootElement.ValueKind != JsonValueKind.Object || !document.RootElement.TryGetProperty("jobs", out JsonElement array) || array.ValueKind != JsonValueKind.Array)
            return jobs;
        foreach (JsonElement job in array.EnumerateArray())
        {
            if (job.ValueKind != JsonValueKind.Object)
                continue;
            jobs.Add(new JobSummary(
                Int(job, "job_id") ?? 0,
                Text(job, "name") ?? "",
                Text(job, "user_name") ?? "",
                Text(job, "job_state") ?? "",
                Text(job, "partition") ?? "",
                Text(job, "state_reason"),
                Int(job, "exit_code")));
        }
        return jobs;
    }

    private static string? Text(JsonElement e, string name) =>
        e.TryGetProperty(name, out JsonElement v) && v.ValueKind == JsonValueKind.String ? v.GetString() : null;

    private static long? Int(JsonElement e, string name) =>
        e.TryGetProperty(name, out JsonElement v) && v.ValueKind == JsonValueKind.Number && v.TryGetInt64(out long n) ? n : null;

    private static string Snippet(byte[] body)
    {
        string text = Encoding.UTF8.GetString(body, 0, Math.Min(body.Length, 200));
        return string.Concat(text.Select(c => char.IsControl(c) ? ' ' : c)).Trim();
    }
}
