using CsCheck;
using SlurmNative.Fuzz.Engine;
using SlurmNative.Gateway.Login;

namespace SlurmNative.Fuzz.Targets.Gateway;

/// <summary>The body of POST /api/v1/login, from anyone on the network, parsed without the password ever becoming a string.</summary>
internal sealed class LoginBodyTarget() : FuzzTarget(
    "gateway-login",
    "LoginBody.Parse: {\"username\", \"password\"} from the internet",
    typeof(FormatException),
    new MemoryBound(32, Why: "System.Text.Json quotes a bad token whole in its error, about 20 bytes per byte"))
{
    public override Outcome Run(byte[] input)
    {
        using LoginBody login = LoginBody.Parse(input);
        if (login.Password.Length > input.Length)
            throw new PropertyViolation("the password came out longer than the body");
        _ = LoginBody.IsValidUserName(login.UserName);
        return Outcome.Accepted;
    }

    public override IReadOnlyList<byte[]> Dictionary => JsonDictionary.Tokens;

    public override Gen<byte[]> Structured { get; } = Gens.JsonObject(
        Gens.Member("username", Gens.JsonString),
        Gens.Member("password", Gens.JsonString));
}
