using System.Buffers;
using System.Globalization;
using System.Net;
using System.Security.Cryptography;
using System.Text.Json;
using SlurmNative.Credentials.Client;
using SlurmNative.Gateway.Configuration;
using SlurmNative.Gateway.Jobs;
using SlurmNative.Gateway.Login;
using SlurmNative.Gateway.Policy;
using SlurmNative.Gateway.Sessions;
using SlurmNative.Gateway.Slurm;

namespace SlurmNative.Gateway.Api;

/// <summary>
/// The gateway's HTTP API (described for clients in Api/openapi.json, served at /openapi.json).
/// Every failure is a JSON {"error": "..."} with a 4xx that names what to fix, or a 5xx that
/// names the component that failed.
/// </summary>
internal static class GatewayApi
{
    public const string Prefix = "/api/v1";

    public static void Map(WebApplication app, GatewayServices services)
    {
        app.MapPost($"{Prefix}/login", (HttpContext http, CancellationToken _) => LoginAsync(http, services));
        app.MapPost($"{Prefix}/logout", (HttpContext http) => Logout(http, services));
        app.MapPost($"{Prefix}/token", (HttpContext http) => IssueToken(http, services));
        app.MapPost($"{Prefix}/jobs", (HttpContext http, CancellationToken _) => SubmitAsync(http, services));
        app.MapGet($"{Prefix}/jobs", (HttpContext http, CancellationToken _) => ListAsync(http, services));
        app.MapGet($"{Prefix}/jobs/{{id}}", (HttpContext http, string id) => ShowAsync(http, id, services));
        app.MapDelete($"{Prefix}/jobs/{{id}}", (HttpContext http, string id) => CancelAsync(http, id, services));
        app.MapGet("/openapi.json", () => Results.Bytes(OpenApiDocument.Bytes, "application/json"));
    }

    /// <summary>The client's address as the audit trail names it (X-Forwarded-For only from a trusted proxy).</summary>
    private static string Source(HttpContext http, GatewayServices s) =>
        ClientAddress.Resolve(http.Connection.RemoteIpAddress, http.Request.Headers["X-Forwarded-For"], s.Settings.TrustedProxies)?.ToString() ?? "unknown";

    // ------------------------------------------------------------------ login

    private static async Task<IResult> LoginAsync(HttpContext http, GatewayServices s)
    {
        var (body, length, problem) = await ReadBodyAsync(http, s.Settings.MaxBodyBytes).ConfigureAwait(false);
        if (problem is not null)
            return problem;
        IPAddress? client = ClientAddress.Resolve(http.Connection.RemoteIpAddress, http.Request.Headers["X-Forwarded-For"], s.Settings.TrustedProxies);
        string address = client?.ToString() ?? "unknown";
        LoginBody login;
        try
        {
            login = LoginBody.Parse(body.AsSpan(0, length));
        }
        catch (FormatException e)
        {
            return Error(HttpStatusCode.BadRequest, $"login: {e.Message}");
        }
        finally
        {
            CryptographicOperations.ZeroMemory(body);
            ArrayPool<byte>.Shared.Return(body);
        }
        using (login)
        {
            string typed = login.UserName;
            if (!LoginBody.IsValidUserName(typed))
                return Error(HttpStatusCode.BadRequest, "username may only use A-Z a-z 0-9 _ - . (1 to 64 characters, not starting with '-')");

            // Looked up before the KDC so that every spelling the name service resolves to one account
            // (Alice, alice) shares that account's budget and Kerberos name. Nothing the client sees
            // depends on it until the password is proven.
            LocalAccount? account = s.Accounts.Find(typed);
            string user = account?.Name ?? typed;
            LoginAttempt? attempt = s.Throttle.TryBegin(LoginThrottle.UserKey(typed, account), ClientAddress.ThrottleKey(client), out ThrottleRefusal refusal);
            if (attempt is null)
            {
                int seconds = Math.Max(1, (int)Math.Ceiling(refusal.RetryAfter.TotalSeconds));
                http.Response.Headers.RetryAfter = seconds.ToString(CultureInfo.InvariantCulture);
                if (refusal.InProgress)
                {
                    s.Events.LoginFailed(user, address, "in_progress", "another login for this user is in progress");
                    return Error(HttpStatusCode.TooManyRequests, $"another login for {user} is in progress; try again in {seconds} s");
                }
                s.Log.LogWarning("login of {User} from {Address} refused: too many failed attempts", user, address);
                s.Events.LoginFailed(user, address, "throttled", "too many failed attempts");
                return Error(HttpStatusCode.TooManyRequests, $"too many failed logins; try again in {seconds} s");
            }
            using (attempt)
            {
                PasswordTicket ticket;
                try
                {
                    ticket = s.Kerberos.GetTicket(user, login.Password);
                }
                catch (LoginFailedException e)
                {
                    if (e.Failure is not (LoginFailure.KdcUnreachable or LoginFailure.KdcError))
                        attempt.Fail();
                    if (e.Failure == LoginFailure.KdcNotVerified)
                        s.Log.LogError("login of {User} from {Address} refused: {Reason}", user, address, e.Message);
                    else
                        s.Log.LogWarning("login of {User} from {Address} failed: {Reason}", user, address, e.Message);
                    s.Events.LoginFailed(user, address, e.Failure switch
                    {
                        LoginFailure.BadCredentials => "bad_credentials",
                        LoginFailure.AccountDisabled => "account_disabled",
                        LoginFailure.PasswordExpired => "password_expired",
                        LoginFailure.KdcUnreachable => "kdc_unreachable",
                        LoginFailure.KdcNotVerified => "kdc_not_verified",
                        _ => "kdc_error",
                    }, e.Message);
                    return e.Failure switch
                    {
                        // A locked or disabled account is refused before its password is checked: saying so
                        // would tell anyone who types the name.
                        LoginFailure.BadCredentials or LoginFailure.AccountDisabled => Unauthorized(http, "wrong user name or password"),
                        LoginFailure.PasswordExpired => Unauthorized(http, "your password has expired; change it with kpasswd, then log in again"),
                        LoginFailure.KdcUnreachable => Error(HttpStatusCode.ServiceUnavailable, "the Kerberos KDC is unreachable; try again later"),
                        LoginFailure.KdcNotVerified => Error(HttpStatusCode.BadGateway, "the gateway could not confirm that the Kerberos KDC is genuine, so it refused the login; contact the administrators"),
                        _ => Error(HttpStatusCode.BadGateway, "the Kerberos login failed for a reason other than the password; contact the administrators"),
                    };
                }
                try
                {
                    return Authorize(http, s, account, user, address, ticket);
                }
                finally
                {
                    CryptographicOperations.ZeroMemory(ticket.Credential);
                }
            }
        }
    }

    /// <summary>The password is proven: may this account use the gateway? Then the ticket is stored and a session made.</summary>
    private static IResult Authorize(HttpContext http, GatewayServices s, LocalAccount? account, string user, string address, PasswordTicket ticket)
    {
        // Checked before anything is stored, so a user the policy refuses leaves no ticket behind.
        if (account is null)
        {
            s.Log.LogWarning("login of {User} from {Address} refused: no local account", user, address);
            s.Events.LoginFailed(user, address, "no_account", "a Kerberos principal but no local account");
            return Error(HttpStatusCode.Forbidden, $"{user} has a Kerberos principal but no account on the cluster; contact the administrators");
        }
        Grant? grant = s.Policy.GrantFor(account.Groups);
        if (grant is null)
        {
            s.Log.LogWarning("login of {User} from {Address} refused: in none of the gateway's groups", user, address);
            s.Events.LoginFailed(user, address, "not_in_group", "in none of the gateway's groups");
            return Error(HttpStatusCode.Forbidden, $"{user} is not in a group allowed to use this gateway; ask the administrators to add you to one");
        }

        try
        {
            s.Tickets.Store(account.Uid, ticket.Credential);
        }
        catch (DaemonUnreachableException e)
        {
            s.Log.LogError("login of {User}: the credential daemon is unreachable: {Reason}", user, e.Message);
            s.Events.LoginFailed(user, address, "daemon_unreachable", e.Message);
            return Error(HttpStatusCode.ServiceUnavailable, "the credential daemon is unreachable, so jobs could not get your ticket; try again later");
        }
        catch (DaemonException e)
        {
            // The daemon's reason names uids, roles and principal mappings: the administrators' business.
            s.Log.LogError("login of {User}: the credential daemon refused the ticket: {Reason}", user, e.Message);
            s.Events.LoginFailed(user, address, "daemon_refused", e.Message);
            return Error(HttpStatusCode.BadGateway, "the credential daemon refused to store your ticket, so jobs could not get it; contact the administrators");
        }

        // A session is no use once the ticket can no longer be renewed: jobs would start without one.
        DateTimeOffset ticketEnd = ticket.RenewTill > ticket.End ? ticket.RenewTill : ticket.End;
        Session session;
        string token;
        try
        {
            (token, session) = s.Sessions.Create(account.Name, account.Uid, account.HomeDirectory, grant, ticketEnd);
        }
        catch (TooManySessionsException e)
        {
            s.Events.LoginFailed(user, address, "too_many_sessions", e.Message);
            return Error(HttpStatusCode.ServiceUnavailable, e.Message);
        }
        s.Log.LogInformation("login of {User} ({Principal}) from {Address}: ticket stored, session until {Expires:u}", user, ticket.Principal, address, session.Expires);
        s.Events.LoginSucceeded(user, account.Uid, address, ticket.Principal);
        return Results.Json(new LoginResponse(token, account.Name, session.Expires, ticket.Principal, ticket.End, s.Settings.Proxy, s.Settings.IssueTokens),
            GatewayJson.Default.LoginResponse);
    }

    private static IResult Logout(HttpContext http, GatewayServices s)
    {
        string? token = BearerToken(http);
        if (token is null || !s.Sessions.Remove(token))
            return Unauthorized(http, "no valid session; log in first");
        return Results.NoContent();
    }

    // ------------------------------------------------------------------ tokens

    private static IResult IssueToken(HttpContext http, GatewayServices s)
    {
        if (!s.Settings.IssueTokens)
            return Error(HttpStatusCode.NotFound, "this gateway does not issue Slurm tokens (modes.issue_tokens is off); submit jobs through /api/v1/jobs");
        if (Authenticate(http, s) is not { } session)
            return Unauthorized(http, "no valid session; log in first");
        TimeSpan lifespan = s.Settings.IssuedTokenLifespan;
        string jwt = s.Tokens.Mint(session.UserName, lifespan);
        s.Log.LogInformation("issued a Slurm token to {User} for {Seconds} s", session.UserName, (long)lifespan.TotalSeconds);
        s.Events.TokenMinted(session.UserName, "issued", lifespan, Source(http, s));
        return Results.Json(new TokenResponse(jwt, session.UserName, DateTimeOffset.UtcNow + lifespan, "X-SLURM-USER-NAME", "X-SLURM-USER-TOKEN"),
            GatewayJson.Default.TokenResponse);
    }

    // ------------------------------------------------------------------ jobs

    private static async Task<IResult> SubmitAsync(HttpContext http, GatewayServices s)
    {
        if (ProxyDisabled(s) is { } off)
            return off;
        if (Authenticate(http, s) is not { } session)
            return Unauthorized(http, "no valid session; log in first");
        var (body, length, problem) = await ReadBodyAsync(http, s.Settings.MaxBodyBytes).ConfigureAwait(false);
        if (problem is not null)
            return problem;
        JobRequest? request;
        try
        {
            request = JsonSerializer.Deserialize(body.AsSpan(0, length), GatewayJson.Default.JobRequest);
        }
        catch (JsonException e)
        {
            return Error(HttpStatusCode.BadRequest, $"job: {GatewaySettings.Describe(e)}");
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(body);
        }
        if (request is null)
            return Error(HttpStatusCode.BadRequest, "job: the body must be a JSON object");

        ValidatedJob job;
        try
        {
            job = JobValidation.Validate(request, session.Grant, session.HomeDirectory, s.Settings.JobEnvironment);
        }
        catch (JobRejectedException e)
        {
            s.Log.LogInformation("job of {User} refused: {Reason}", session.UserName, e.Message);
            return Error(HttpStatusCode.BadRequest, e.Message);
        }
        return await SlurmCall(s, session, async (token, cancel) =>
        {
            long id = await s.Slurm.SubmitAsync(session.UserName, token, job, cancel).ConfigureAwait(false);
            s.Log.LogInformation("submitted job {JobId} for {User} to partition {Partition}", id, session.UserName, job.Partition);
            s.Events.JobSubmitted(session.UserName, id, job.Partition, Source(http, s));
            return Results.Json(new SubmitResponse(id, session.UserName, job.Partition), GatewayJson.Default.SubmitResponse, statusCode: StatusCodes.Status201Created);
        }, http).ConfigureAwait(false);
    }

    private static async Task<IResult> ListAsync(HttpContext http, GatewayServices s)
    {
        if (ProxyDisabled(s) is { } off)
            return off;
        if (Authenticate(http, s) is not { } session)
            return Unauthorized(http, "no valid session; log in first");
        return await SlurmCall(s, session, async (token, cancel) =>
        {
            var jobs = await s.Slurm.ListAsync(session.UserName, token, cancel).ConfigureAwait(false);
            // slurmctld may show everyone's jobs (PrivateData unset); the gateway shows one's own.
            var own = jobs.Where(j => j.UserName == session.UserName).ToList();
            return Results.Json(new JobList(own), GatewayJson.Default.JobList);
        }, http).ConfigureAwait(false);
    }

    private static Task<IResult> ShowAsync(HttpContext http, string id, GatewayServices s) =>
        WithOwnJobAsync(http, id, s, (_, _, job, _) => Task.FromResult(Results.Json(job, GatewayJson.Default.JobSummary)));

    private static Task<IResult> CancelAsync(HttpContext http, string id, GatewayServices s) =>
        WithOwnJobAsync(http, id, s, async (session, token, job, cancel) =>
        {
            await s.Slurm.CancelAsync(session.UserName, token, job.JobId, cancel).ConfigureAwait(false);
            s.Log.LogInformation("cancelled job {JobId} for {User}", job.JobId, session.UserName);
            return Results.NoContent();
        });

    /// <summary>
    /// Runs <paramref name="action"/> on job <paramref name="id"/> if it is the session user's.
    /// slurmctld would refuse another user's job for most actions too; checking here gives the
    /// same 404 for someone else's job as for no job at all, so ids cannot be probed.
    /// </summary>
    private static async Task<IResult> WithOwnJobAsync(HttpContext http, string id, GatewayServices s,
        Func<Session, string, JobSummary, CancellationToken, Task<IResult>> action)
    {
        if (ProxyDisabled(s) is { } off)
            return off;
        if (Authenticate(http, s) is not { } session)
            return Unauthorized(http, "no valid session; log in first");
        if (ParseJobId(id) is not long jobId)
            return Error(HttpStatusCode.BadRequest, $"'{Printable(id)}' is not a job id");
        return await SlurmCall(s, session, async (token, cancel) =>
        {
            JobSummary? job = await s.Slurm.ShowAsync(session.UserName, token, jobId, cancel).ConfigureAwait(false);
            if (job is null || job.UserName != session.UserName)
                return Error(HttpStatusCode.NotFound, $"you have no job {jobId}");
            return await action(session, token, job, cancel).ConfigureAwait(false);
        }, http).ConfigureAwait(false);
    }

    /// <summary>One slurmrestd exchange with a token minted for this user and this call only.</summary>
    private static async Task<IResult> SlurmCall(GatewayServices s, Session session, Func<string, CancellationToken, Task<IResult>> call, HttpContext http)
    {
        CancellationToken cancel = http.RequestAborted;
        string token;
        try
        {
            token = s.Tokens.Mint(session.UserName, s.Settings.ProxyTokenLifespan);
            s.Events.TokenMinted(session.UserName, "proxy", s.Settings.ProxyTokenLifespan, Source(http, s));
        }
        catch (Exception e) when (e is Jwt.JwtKeyException or IOException or UnauthorizedAccessException)
        {
            s.Log.LogError("cannot mint a Slurm token: {Reason}", e.Message);
            return Error(HttpStatusCode.InternalServerError, "the gateway cannot sign Slurm tokens; the administrators must check its JWT key");
        }
        try
        {
            return await call(token, cancel).ConfigureAwait(false);
        }
        catch (SlurmRestException e)
        {
            s.Log.LogWarning("slurmrestd call for {User} failed: {Reason}", session.UserName, e.Detail);
            s.Events.SlurmrestdFailed();
            return Error(e.StatusCode, e.Message);
        }
    }

    // ------------------------------------------------------------------ helpers

    private static IResult? ProxyDisabled(GatewayServices s) =>
        s.Settings.Proxy ? null : Error(HttpStatusCode.NotFound, "this gateway does not submit jobs itself (modes.proxy is off); get a token from /api/v1/token and call slurmrestd");

    private static Session? Authenticate(HttpContext http, GatewayServices s) => s.Sessions.Find(BearerToken(http));

    private static string? BearerToken(HttpContext http)
    {
        string? header = http.Request.Headers.Authorization;
        const string scheme = "Bearer ";
        return header is not null && header.StartsWith(scheme, StringComparison.OrdinalIgnoreCase) ? header[scheme.Length..].Trim() : null;
    }

    private static long? ParseJobId(string id) =>
        long.TryParse(id, NumberStyles.None, CultureInfo.InvariantCulture, out long n) && n is > 0 and < uint.MaxValue ? n : null;

    /// <summary>
    /// The body into a pooled buffer, refusing more than <paramref name="limit"/> bytes before
    /// reading them all (Kestrel enforces the same limit on the connection).
    /// </summary>
    private static async Task<(byte[] Buffer, int Length, IResult? Problem)> ReadBodyAsync(HttpContext http, int limit)
    {
        if (http.Request.ContentLength > limit)
            return ([], 0, Error(HttpStatusCode.RequestEntityTooLarge, $"the body is larger than {limit} bytes"));
        if (http.Request.ContentType is { } type && !type.StartsWith("application/json", StringComparison.OrdinalIgnoreCase))
            return ([], 0, Error(HttpStatusCode.UnsupportedMediaType, "send the body as application/json"));
        byte[] buffer = ArrayPool<byte>.Shared.Rent(limit + 1);
        int length = 0;
        try
        {
            int read;
            while ((read = await http.Request.Body.ReadAsync(buffer.AsMemory(length, limit + 1 - length), http.RequestAborted).ConfigureAwait(false)) > 0)
            {
                length += read;
                if (length > limit)
                {
                    CryptographicOperations.ZeroMemory(buffer.AsSpan(0, length));
                    ArrayPool<byte>.Shared.Return(buffer);
                    return ([], 0, Error(HttpStatusCode.RequestEntityTooLarge, $"the body is larger than {limit} bytes"));
                }
            }
        }
        catch (BadHttpRequestException e) when (e.StatusCode == StatusCodes.Status413PayloadTooLarge)
        {
            CryptographicOperations.ZeroMemory(buffer.AsSpan(0, Math.Min(length, buffer.Length)));
            ArrayPool<byte>.Shared.Return(buffer);
            return ([], 0, Error(HttpStatusCode.RequestEntityTooLarge, $"the body is larger than {limit} bytes"));
        }
        if (length == 0)
        {
            ArrayPool<byte>.Shared.Return(buffer);
            return ([], 0, Error(HttpStatusCode.BadRequest, "the body is empty; send a JSON object"));
        }
        return (buffer, length, null);
    }

    private static IResult Unauthorized(HttpContext http, string message)
    {
        http.Response.Headers.WWWAuthenticate = "Bearer realm=\"slurmnative-gateway\"";
        return Error(HttpStatusCode.Unauthorized, message);
    }

    internal static IResult Error(HttpStatusCode status, string message) =>
        Results.Json(new ErrorResponse(message), GatewayJson.Default.ErrorResponse, statusCode: (int)status);

    private static string Printable(string value)
    {
        string cut = value.Length > 40 ? value[..40] + "..." : value;
        return string.Concat(cut.Select(c => char.IsControl(c) ? '?' : c));
    }
}
