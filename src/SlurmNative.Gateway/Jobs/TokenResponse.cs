namespace SlurmNative.Gateway.Jobs;

internal sealed record TokenResponse(string Token, string UserName, DateTimeOffset ExpiresAt, string HeaderUserName, string HeaderToken);
