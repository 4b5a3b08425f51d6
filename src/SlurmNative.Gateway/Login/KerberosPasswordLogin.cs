using SlurmNative.Credentials.Kerberos;

namespace SlurmNative.Gateway.Login;

internal enum LoginFailure
{
    /// <summary>Wrong password or unknown principal: the client cannot tell which, on purpose.</summary>
    BadCredentials,
    PasswordExpired,
    AccountDisabled,
    KdcUnreachable,
    KdcError,
}

internal sealed class LoginFailedException(LoginFailure failure, string message, Exception? inner = null) : Exception(message, inner)
{
    public LoginFailure Failure { get; } = failure;
}

/// <summary>A ticket obtained with a password: the marshalled TGT and what it says about itself.</summary>
internal sealed record PasswordTicket(byte[] Credential, string Principal, DateTimeOffset End, DateTimeOffset RenewTill);

internal interface IPasswordLogin
{
    /// <summary>An AS exchange for <paramref name="userName"/>; the caller clears <paramref name="password"/>.</summary>
    PasswordTicket GetTicket(string userName, ReadOnlySpan<char> password);
}

/// <summary>
/// krb5_get_init_creds_password against the site's KDCs (krb5.conf), asking for what
/// jobs need: forwardable, addressless, renewable as far as the realm allows. The
/// principal is always NAME@REALM built from a validated user name, so a login can
/// never name another realm or a service principal.
/// </summary>
internal sealed class KerberosPasswordLogin(string? realm, TimeSpan? lifetime, TimeSpan renewLifetime) : IPasswordLogin
{
    public PasswordTicket GetTicket(string userName, ReadOnlySpan<char> password)
    {
        using var context = SafeKrb5ContextHandle.Create();
        string principalName = realm is null ? userName : $"{userName}@{realm}";
        using var client = SafeKrb5PrincipalHandle.Parse(context, principalName);
        using var options = SafeKrb5InitCredsOptionsHandle.Create(context);
        options.SetForwardable(true);
        options.SetProxiable(false);
        options.SetAddressless();
        options.SetRenewLife(renewLifetime);
        if (lifetime is { } life)
            options.SetTicketLife(life);
        try
        {
            using SafeKrb5CredsHandle creds = SafeKrb5CredsHandle.GetInitialWithPassword(context, client, password, options);
            byte[] credential = creds.Marshal();
            TicketFacts facts = KerberosCredentials.Describe(credential);
            return new PasswordTicket(credential, facts.ClientPrincipal, facts.End, facts.RenewTill);
        }
        catch (Krb5Exception e)
        {
            throw Classify(e, client.Name);
        }
    }

    private static LoginFailedException Classify(Krb5Exception e, string principal) => e.ErrorCode switch
    {
        Interop.Krb5.KRB5KDC_ERR_PREAUTH_FAILED or Interop.Krb5.KRB5KRB_AP_ERR_BAD_INTEGRITY or Interop.Krb5.KRB5KDC_ERR_C_PRINCIPAL_UNKNOWN =>
            new(LoginFailure.BadCredentials, $"KDC refused {principal}: {e.LibraryMessage}", e),
        Interop.Krb5.KRB5KDC_ERR_KEY_EXP =>
            new(LoginFailure.PasswordExpired, $"the password of {principal} has expired", e),
        Interop.Krb5.KRB5KDC_ERR_CLIENT_REVOKED =>
            new(LoginFailure.AccountDisabled, $"the account {principal} is locked or disabled", e),
        Interop.Krb5.KRB5_KDC_UNREACH or Interop.Krb5.KRB5_REALM_UNKNOWN or Interop.Krb5.KRB5_CONFIG_NODEFREALM =>
            new(LoginFailure.KdcUnreachable, $"no KDC answered for {principal}: {e.LibraryMessage}", e),
        _ => new(LoginFailure.KdcError, $"Kerberos login of {principal} failed: {e.LibraryMessage}", e),
    };
}
