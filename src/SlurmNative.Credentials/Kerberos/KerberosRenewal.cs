namespace SlurmNative.Credentials.Kerberos;

/// <summary>A TGT renewed at the KDC.</summary>
internal static class KerberosRenewal
{
    /// <summary>
    /// krb5_get_renewed_creds: renews <paramref name="client"/>'s TGT held in <paramref name="cache"/>
    /// (the cache is not updated; store the result yourself).
    /// </summary>
    internal static SafeKrb5CredsHandle Renew(SafeKrb5ContextHandle context, SafeKrb5PrincipalHandle client, SafeKrb5CcacheHandle cache, string? service = null)
    {
        var creds = default(Interop.Krb5.Krb5Creds);
        int error = Interop.Krb5.krb5_get_renewed_creds(context, ref creds, client, cache, service);
        Krb5Exception.ThrowIfError(context, error, $"krb5_get_renewed_creds {client}");
        return SafeKrb5CredsHandle.CopyAndFreeContents(context, ref creds);
    }
}
