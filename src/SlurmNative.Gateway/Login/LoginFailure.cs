namespace SlurmNative.Gateway.Login;

internal enum LoginFailure
{
    /// <summary>
    /// Wrong password, unknown principal, or anything else the KDC said before the password was proven
    /// (a locked or disabled account included): the client cannot tell which, on purpose.
    /// </summary>
    BadCredentials,
    /// <summary>The password is right (proven by a kadmin/changepw ticket) but has expired.</summary>
    PasswordExpired,
    /// <summary>The KDC refuses every ticket to this principal (locked out, disabled); the client hears <see cref="BadCredentials"/>.</summary>
    AccountDisabled,
    KdcUnreachable,
    KdcError,
    /// <summary>A TGT came back but the gateway's keytab could not prove the KDC genuine.</summary>
    KdcNotVerified,
}
