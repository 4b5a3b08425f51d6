using System.Net;
using System.Net.Sockets;
using System.Text.Json.Nodes;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using SlurmNative.Credentials.Configuration;
using SlurmNative.Gateway.Configuration;
using SlurmNative.Jwt.Keys;

namespace SlurmNative.Tests.Gateway;

/// <summary>The gateway as configured by an admin: TLS from Kestrel's section of gateway.json, nothing else to set up.</summary>
public sealed class GatewayTlsTests : IDisposable
{
    private readonly string dir = Directory.CreateTempSubdirectory("slurmnative-gw-tls-").FullName;

    public void Dispose() => Directory.Delete(dir, recursive: true);

    [Fact]
    public async Task A_kestrel_https_endpoint_in_gateway_json_serves_the_api_over_tls()
    {
        string key = Path.Combine(dir, "jwt_hs256.key");
        Hs256KeyFile.Create(key, force: false);
        using var rsa = RSA.Create(2048);
        var request = new CertificateRequest("CN=gateway.test", rsa, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        var names = new SubjectAlternativeNameBuilder();
        names.AddIpAddress(IPAddress.Loopback);
        request.CertificateExtensions.Add(names.Build());
        using X509Certificate2 certificate = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddMinutes(-5), DateTimeOffset.UtcNow.AddDays(1));
        File.WriteAllText(Path.Combine(dir, "gateway.pem"), certificate.ExportCertificatePem());
        File.WriteAllText(Path.Combine(dir, "gateway.key"), rsa.ExportPkcs8PrivateKeyPem());

        int port = FreePort();
        string config = Path.Combine(dir, "gateway.json");
        File.WriteAllText(config, new JsonObject
        {
            ["jwt"] = new JsonObject { ["hs256_key"] = key },
            ["daemon_config"] = $"{dir}/absent.conf",
            ["verify_kdc"] = false,
            ["groups"] = new JsonObject { ["hpc"] = new JsonObject() },
            ["Kestrel"] = new JsonObject
            {
                ["Endpoints"] = new JsonObject
                {
                    ["Https"] = new JsonObject
                    {
                        ["Url"] = $"https://127.0.0.1:{port}",
                        ["Certificate"] = new JsonObject { ["Path"] = $"{dir}/gateway.pem", ["KeyPath"] = $"{dir}/gateway.key" },
                    },
                },
            },
        }.ToJsonString());

        var app = SlurmNative.Gateway.Program.Build(GatewaySettings.Load(config), config, new SlurmNativeConfig());
        await app.StartAsync();
        try
        {
            string? seen = null;
            using var handler = new HttpClientHandler
            {
                ServerCertificateCustomValidationCallback = (_, cert, _, _) => (seen = cert?.Thumbprint) == certificate.Thumbprint,
            };
            using var client = new HttpClient(handler);
            using HttpResponseMessage response = await client.GetAsync(new Uri($"https://127.0.0.1:{port}/openapi.json"));
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            Assert.Equal(certificate.Thumbprint, seen);
            Assert.Contains("/api/v1/login", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        }
        finally
        {
            await app.StopAsync();
            await app.DisposeAsync();
        }
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
