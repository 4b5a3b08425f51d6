using System.Net;

namespace SlurmNative.Fuzz.Targets.Gateway;

/// <summary>Plays slurmrestd: answers every request at once with the status and body it was given.</summary>
internal sealed class CannedReplyHandler : HttpMessageHandler
{
    public HttpStatusCode Status { get; set; }

    public byte[] Body { get; set; } = [];

    protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken) =>
        Task.FromResult(new HttpResponseMessage(Status) { Content = new ByteArrayContent(Body), RequestMessage = request });
}
