namespace SlurmNative.Gateway.Login;

internal sealed class LoginFailedException(LoginFailure failure, string message, Exception? inner = null) : Exception(message, inner)
{
    public LoginFailure Failure { get; } = failure;
}
