using System.Net;
using System.Text;
using CsCheck;
using SlurmNative.Fuzz.Engine;
using SlurmNative.Gateway.Jobs;
using SlurmNative.Gateway.Slurm;

namespace SlurmNative.Fuzz.Targets.Gateway;

/// <summary>
/// slurmrestd's replies as the gateway reads them, for each call it makes. Input: the call,
/// the HTTP status, then the body. A reply the gateway cannot use is a SlurmRestException,
/// whose message is for the client and never names slurmrestd's address.
/// </summary>
internal sealed class SlurmrestdReplyTarget : FuzzTarget
{
    private static readonly HttpStatusCode[] Statuses =
        [HttpStatusCode.OK, HttpStatusCode.OK, HttpStatusCode.OK, HttpStatusCode.Created, HttpStatusCode.BadRequest, HttpStatusCode.Unauthorized,
         HttpStatusCode.Forbidden, HttpStatusCode.NotFound, HttpStatusCode.InternalServerError, HttpStatusCode.BadGateway, (HttpStatusCode)299, (HttpStatusCode)599];

    private static readonly ValidatedJob Job = new("#!/bin/sh\nhostname\n", "job", "batch", null, null, 1, null, null, null, "/home/alice", null, null, new Dictionary<string, string>());

    private const string Host = "slurmrestd.internal.test";

    private readonly CannedReplyHandler handler = new();
    private readonly SlurmRestClient client;

    public SlurmrestdReplyTarget()
        : base("slurmrestd-reply", "SlurmRestClient: submit, list, show and cancel replies from slurmrestd", typeof(SlurmRestException), new MemoryBound(32)) =>
        client = new SlurmRestClient(new HttpClient(handler) { BaseAddress = new Uri($"http://{Host}:6820/") }, "v0.0.38");

    public override Outcome Run(byte[] input)
    {
        int call = input.Length > 0 ? input[0] % 4 : 0;
        handler.Status = Statuses[input.Length > 1 ? input[1] % Statuses.Length : 0];
        handler.Body = input.AsSpan(Math.Min(input.Length, 2)).ToArray();
        try
        {
            switch (call)
            {
                case 0:
                    client.SubmitAsync("alice", "token", Job, CancellationToken.None).GetAwaiter().GetResult();
                    break;
                case 1:
                    client.ListAsync("alice", "token", CancellationToken.None).GetAwaiter().GetResult();
                    break;
                case 2:
                    client.ShowAsync("alice", "token", 42, CancellationToken.None).GetAwaiter().GetResult();
                    break;
                default:
                    client.CancelAsync("alice", "token", 42, CancellationToken.None).GetAwaiter().GetResult();
                    break;
            }
        }
        catch (SlurmRestException e) when (e.Message.Contains(Host, StringComparison.OrdinalIgnoreCase))
        {
            throw new PropertyViolation("a message for the client names slurmrestd's address");
        }
        return Outcome.Accepted;
    }

    public override IReadOnlyList<byte[]> Dictionary => JsonDictionary.Tokens;

    private static readonly Gen<string> JobJson = Gens.JsonObject(
        Gens.Member("job_id", Gen.OneOf(Gen.OneOf("42", "0", "-1", "9223372036854775808"), Gens.JsonScalar)),
        Gens.Member("name", Gens.JsonString),
        Gens.Member("user_name", Gen.OneOf("\"alice\"", "\"bob\"")),
        Gens.Member("job_state", Gen.OneOf("\"RUNNING\"", "[\"RUNNING\"]")),
        Gens.Member("partition", Gens.JsonString),
        Gens.Member("state_reason", Gens.JsonString),
        Gens.Member("exit_code", Gen.OneOf("0", "{\"status\":\"SUCCESS\",\"return_code\":0}", "1.5")))
        .Select(Encoding.UTF8.GetString);

    private static readonly Gen<string> Error = Gen.OneOf(
        Gens.JsonObject(Gens.Member("error", Gen.OneOf(Gen.OneOf("\"Invalid job id specified\"", "\"slurmrestd.internal.test:6820 said no\""), Gens.JsonString)), Gens.Member("description", Gens.JsonString), Gens.Member("error_number", Gen.OneOf("2017", "\"x\""))).Select(Encoding.UTF8.GetString),
        Gens.JsonScalar);

    private static readonly Gen<byte[]> Body = Gens.JsonObject(
        Gens.Member("job_id", Gen.OneOf(Gen.OneOf("42", "0", "-5", "18446744073709551616"), Gens.JsonScalar)),
        Gens.Member("jobs", Gens.ListOrScalar(JobJson, 3)),
        Gens.Member("errors", Gen.OneOf(Gens.JsonArray(Error, 3), Gens.JsonScalar)),
        Gens.Member("warnings", Gens.JsonValue));

    public override Gen<byte[]> Structured { get; } =
        Gen.Select(Gen.Byte, Gen.Byte, Gen.Frequency((8, Body), (1, Gens.JsonValue.Select(Encoding.UTF8.GetBytes)), (1, Gen.OneOf("<html>proxy error</html>"u8.ToArray(), Array.Empty<byte>()))))
            .Select((call, status, body) => new byte[] { call, status }.Concat(body).ToArray());
}
