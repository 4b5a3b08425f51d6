using SlurmNative.Credentials.Kerberos;

namespace SlurmNative.Gateway.Login;

/// <summary>
/// krb5_get_init_creds_password against the site's KDCs (krb5.conf), asking for what
/// jobs need: forwardable, addressless, renewable as far as the realm allows. The
/// principal is always NAME@REALM built from a validated user name, so a login can
/// never name another realm or a service principal. With a <see cref="KdcVerifier"/>
/// the TGT is used only once the gateway's keytab has proven its KDC genuine.
/// </summary>
internal sealed class KerberosPasswordLogin(string? realm, TimeSpan? lifetime, TimeSpan renewLifetime, KdcVerifier? verifier) : IPasswordLogin
{
    // A KDC hands out tickets for the password-changing service even when the password has expired,
    // and only to someone who knows it: the way to learn whether the password was right.
    private const string PasswordChangeService = "kadmin/changepw";

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
        SafeKrb5CredsHandle creds;
        try
        {
            creds = KerberosLogin.WithPassword(context, client, password, options);
        }
        catch (Krb5Exception e) when (e.ErrorCode == Interop.Krb5.KRB5KDC_ERR_KEY_EXP)
        {
            throw ExpiredOrWrong(context, client, password, e);
        }
        catch (Krb5Exception e)
        {
            throw Classify(e, client.Name);
        }
        using (creds)
        {
            if (verifier is not null)
            {
                try
                {
                    verifier.Verify(context, creds);
                }
                catch (Krb5Exception e)
                {
                    throw new LoginFailedException(LoginFailure.KdcNotVerified,
                        $"the KDC that answered for {client.Name} could not be proven genuine with {verifier.Principal} from {verifier.Keytab} " +
                        $"(a forged KDC reply, or a keytab that no longer matches the KDC): {e.LibraryMessage}", e);
                }
            }
            byte[] credential = creds.Marshal();
            TicketFacts facts = KerberosTickets.Describe(credential);
            return new PasswordTicket(credential, facts.ClientPrincipal, facts.End, facts.RenewTill);
        }
    }

    /// <summary>
    /// The KDC says the password has expired before checking it, to anyone. Only a kadmin/changepw
    /// ticket obtained with the same password shows that the caller knew it and may be told.
    /// </summary>
    private static LoginFailedException ExpiredOrWrong(SafeKrb5ContextHandle context, SafeKrb5PrincipalHandle client, ReadOnlySpan<char> password, Krb5Exception expired)
    {
        try
        {
            using var options = SafeKrb5InitCredsOptionsHandle.Create(context);
            options.SetForwardable(false);
            options.SetProxiable(false);
            options.SetAddressless();
            using SafeKrb5CredsHandle _ = KerberosLogin.WithPassword(context, client, password, options, PasswordChangeService);
            return new(LoginFailure.PasswordExpired, $"the password of {client.Name} has expired", expired);
        }
        catch (Krb5Exception e)
        {
            return new(LoginFailure.BadCredentials, $"the password of {client.Name} has expired, and the one given was not confirmed: {e.LibraryMessage}", e);
        }
    }

    private static LoginFailedException Classify(Krb5Exception e, string principal) => e.ErrorCode switch
    {
        Interop.Krb5.KRB5KDC_ERR_PREAUTH_FAILED or Interop.Krb5.KRB5KRB_AP_ERR_BAD_INTEGRITY or Interop.Krb5.KRB5KDC_ERR_C_PRINCIPAL_UNKNOWN =>
            new(LoginFailure.BadCredentials, $"KDC refused {principal}: {e.LibraryMessage}", e),
        Interop.Krb5.KRB5KDC_ERR_CLIENT_REVOKED =>
            new(LoginFailure.AccountDisabled, $"the account {principal} is locked or disabled", e),
        Interop.Krb5.KRB5_KDC_UNREACH or Interop.Krb5.KRB5_REALM_UNKNOWN or Interop.Krb5.KRB5_CONFIG_NODEFREALM =>
            new(LoginFailure.KdcUnreachable, $"no KDC answered for {principal}: {e.LibraryMessage}", e),
        // Any other error the KDC sent back (policy, no usable key, ...) came before the password was
        // checked, so it describes the account to whoever typed the name: the client hears only "wrong".
        _ when IsKdcProtocolError(e.ErrorCode) =>
            new(LoginFailure.BadCredentials, $"KDC refused {principal} before checking the password: {e.LibraryMessage}", e),
        _ => new(LoginFailure.KdcError, $"Kerberos login of {principal} failed: {e.LibraryMessage}", e),
    };

    /// <summary>The RFC 4120 error codes (KDC_ERR_*, KRB_AP_ERR_*, KRB_ERR_*): krb5's error table base plus 0..127.</summary>
    private static bool IsKdcProtocolError(int code) => code >= Interop.Krb5.KRB5KDC_ERR_NONE && code < Interop.Krb5.KRB5KDC_ERR_NONE + 128;
}
