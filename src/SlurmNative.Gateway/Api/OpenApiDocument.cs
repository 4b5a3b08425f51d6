namespace SlurmNative.Gateway.Api;

/// <summary>
/// The OpenAPI 3.1 description of the gateway's own API, written by hand next to the code
/// (Api/openapi.json) and checked by a unit test against the endpoints the app really maps.
/// </summary>
internal static class OpenApiDocument
{
    private static readonly Lazy<byte[]> Document = new(() =>
    {
        using Stream stream = typeof(OpenApiDocument).Assembly.GetManifestResourceStream("openapi.json")
            ?? throw new InvalidOperationException("openapi.json is not embedded in the gateway assembly");
        using var copy = new MemoryStream();
        stream.CopyTo(copy);
        return copy.ToArray();
    });

    public static byte[] Bytes => Document.Value;
}
