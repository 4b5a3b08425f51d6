using System.Security.Cryptography;
using System.Text;

namespace SlurmNative.Credentials.Kerberos;

/// <summary>A password login at the KDC, and the proof that the KDC which answered is the real one.</summary>
internal static class KerberosLogin
{
    /// <summary>
    /// krb5_get_init_creds_password: an AS request for <paramref name="client"/> (no prompter: a KDC prompt,
    /// e.g. for an expired password, fails). The UTF-8 copy of the password is wiped before returning.
    /// </summary>
    internal static SafeKrb5CredsHandle WithPassword(
        SafeKrb5ContextHandle context, SafeKrb5PrincipalHandle client, ReadOnlySpan<char> password,
        SafeKrb5InitCredsOptionsHandle options, string? service = null)
    {
        // Pinned, so that no copy of the password is left behind in memory the GC moved it from.
        byte[] utf8 = GC.AllocateArray<byte>(Encoding.UTF8.GetMaxByteCount(password.Length) + 1, pinned: true);
        try
        {
            int length = Encoding.UTF8.GetBytes(password, utf8);
            utf8[length] = 0;
            var creds = default(Interop.Krb5.Krb5Creds);
            int error = Interop.Krb5.krb5_get_init_creds_password(context, ref creds, client, utf8, 0, 0, 0, service, options);
            Krb5Exception.ThrowIfError(context, error, $"krb5_get_init_creds_password {client}");
            return SafeKrb5CredsHandle.CopyAndFreeContents(context, ref creds);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(utf8);
        }
    }

    /// <summary>
    /// krb5_verify_init_creds with ap_req_nofail set: succeeds only if the KDC that issued <paramref name="tgt"/> also
    /// issues a ticket for <paramref name="server"/> that <paramref name="keytab"/>'s key opens. A missing keytab or
    /// key is an error, never a silent skip. The service ticket fetched on the way is discarded.
    /// </summary>
    internal static void VerifyWithKeytab(SafeKrb5CredsHandle tgt, SafeKrb5PrincipalHandle server, SafeKrb5KeytabHandle keytab)
    {
        var options = default(Interop.Krb5.Krb5VerifyInitCredsOpt);
        Interop.Krb5.krb5_verify_init_creds_opt_init(ref options);
        Interop.Krb5.krb5_verify_init_creds_opt_set_ap_req_nofail(ref options, 1);
        int error = Interop.Krb5.krb5_verify_init_creds(tgt.Context, tgt, server, keytab, 0, ref options);
        Krb5Exception.ThrowIfError(tgt.Context, error, $"krb5_verify_init_creds {tgt.ClientName} with {server}");
    }
}
