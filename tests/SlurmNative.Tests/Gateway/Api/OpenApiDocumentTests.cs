using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Routing;
using SlurmNative.Gateway.Api;

namespace SlurmNative.Tests.Gateway.Api;

public class OpenApiDocumentTests
{
    [Fact]
    public void Every_mapped_endpoint_is_described_and_nothing_else()
    {
        var app = WebApplication.CreateSlimBuilder().Build();
        GatewayApi.Map(app, null!);
        var mapped = ((IEndpointRouteBuilder)app).DataSources.SelectMany(d => d.Endpoints).OfType<RouteEndpoint>()
            .SelectMany(e => e.Metadata.OfType<Microsoft.AspNetCore.Routing.HttpMethodMetadata>().SelectMany(m => m.HttpMethods)
                .Select(method => $"{method.ToLowerInvariant()} {e.RoutePattern.RawText}"))
            .ToHashSet();

        using JsonDocument document = JsonDocument.Parse(OpenApiDocument.Bytes);
        var described = document.RootElement.GetProperty("paths").EnumerateObject()
            .SelectMany(path => path.Value.EnumerateObject().Where(op => op.Name is "get" or "post" or "delete" or "put" or "patch")
                .Select(op => $"{op.Name} {path.Name}"))
            .ToHashSet();
        Assert.Equal(mapped.Order(), described.Order());
        Assert.Equal("3.1.0", document.RootElement.GetProperty("openapi").GetString());
    }
}
