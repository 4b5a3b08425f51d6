namespace SlurmNative.Gateway.Login;

internal interface IPasswordLogin
{
    /// <summary>An AS exchange for <paramref name="userName"/>; the caller clears <paramref name="password"/>.</summary>
    PasswordTicket GetTicket(string userName, ReadOnlySpan<char> password);
}
