using System.Text;
using System.Text.Json.Nodes;
using SlurmNative.Jwt.Tokens;

namespace SlurmNative.Tests.Jwt;

/// <summary>Takes tokens apart and puts altered ones back together, as an attacker would.</summary>
internal static class TokenParts
{
    public static readonly DateTimeOffset Epoch = DateTimeOffset.FromUnixTimeSeconds(1_750_000_000);

    public static string Header(string token) => Decode(token.Split('.')[0]);

    public static string Payload(string token) => Decode(token.Split('.')[1]);

    public static string WithHeader(string token, string json)
    {
        string[] p = token.Split('.');
        return $"{Base64Url.Encode(Encoding.UTF8.GetBytes(json))}.{p[1]}.{p[2]}";
    }

    public static string WithPayload(string token, string json)
    {
        string[] p = token.Split('.');
        return $"{p[0]}.{Base64Url.Encode(Encoding.UTF8.GetBytes(json))}.{p[2]}";
    }

    /// <summary>The token with one claim of its payload set to <paramref name="value"/>, the signature unchanged.</summary>
    public static string WithClaim(string token, string name, JsonNode value)
    {
        JsonObject payload = JsonNode.Parse(Payload(token))!.AsObject();
        payload[name] = value;
        return WithPayload(token, payload.ToJsonString());
    }

    public static string WithSignature(string token, byte[] signature)
    {
        string[] p = token.Split('.');
        return $"{p[0]}.{p[1]}.{Base64Url.Encode(signature)}";
    }

    public static byte[] Signature(string token) =>
        Base64Url.TryDecode(token.Split('.')[2], out byte[] s) ? s : throw new InvalidOperationException("bad signature encoding");

    private static string Decode(string part) =>
        Base64Url.TryDecode(part, out byte[] bytes) ? Encoding.UTF8.GetString(bytes) : throw new InvalidOperationException("bad part");
}
