using SlurmNative.Credentials.Kerberos;

namespace SlurmNative.Gateway.Login;

/// <summary>
/// Proof that a password login's TGT came from the realm's real KDC, not from whoever answered the
/// gateway's Kerberos traffic. An AS reply is encrypted with a key derived from the password, so an
/// impostor who answers for the KDC makes any password it chose "right". Only the real KDC knows the
/// key of the gateway's own service principal: the TGT must obtain a ticket for that principal which
/// the gateway's keytab opens (krb5_verify_init_creds with ap_req_nofail, as pam_krb5 does).
/// </summary>
internal sealed class KdcVerifier
{
    private const string DefaultService = "host";

    private KdcVerifier(string keytab, string principal)
    {
        Keytab = keytab;
        Principal = principal;
    }

    /// <summary>The keytab, as krb5_kt_resolve names it.</summary>
    public string Keytab { get; }

    /// <summary>The principal whose key proves the KDC, as the keytab holds it (realm included).</summary>
    public string Principal { get; }

    /// <summary>
    /// Finds the key of <paramref name="principal"/> (default host/&lt;this host's name&gt;) in <paramref name="keytab"/>,
    /// so a gateway that could not verify a single login refuses to start instead.
    /// </summary>
    /// <exception cref="KdcVerifierException">no usable key; the message says how to provide one.</exception>
    public static KdcVerifier Open(string keytab, string? principal, string? realm)
    {
        using var context = SafeKrb5ContextHandle.Create();
        SafeKrb5PrincipalHandle server;
        try
        {
            server = principal is null
                ? SafeKrb5PrincipalHandle.ForLocalHostService(context, DefaultService)
                : SafeKrb5PrincipalHandle.Parse(context, realm is null || principal.Contains('@') ? principal : $"{principal}@{realm}");
        }
        catch (Krb5Exception e)
        {
            throw new KdcVerifierException($"verify_principal '{principal ?? DefaultService + "/<this host>"}' is not usable: {e.LibraryMessage}; name the gateway's service principal, e.g. \"verify_principal\": \"host/gateway.example.org\"");
        }
        using (server)
        {
            string name = server.Name;
            try
            {
                using var tab = SafeKrb5KeytabHandle.Resolve(context, keytab);
                return new KdcVerifier(keytab, tab.FindEntryPrincipal(server));
            }
            catch (Krb5Exception e)
            {
                throw new KdcVerifierException(Problem(e, keytab, name) + Fix(keytab, name));
            }
        }
    }

    /// <summary>Throws <see cref="Krb5Exception"/> unless <paramref name="tgt"/> passes krb5_verify_init_creds.</summary>
    public void Verify(SafeKrb5ContextHandle context, SafeKrb5CredsHandle tgt)
    {
        using var server = SafeKrb5PrincipalHandle.Parse(context, Principal);
        using var tab = SafeKrb5KeytabHandle.Resolve(context, Keytab);
        KerberosLogin.VerifyWithKeytab(tgt, server, tab);
    }

    private static string Problem(Krb5Exception e, string keytab, string principal) => e.ErrorCode switch
    {
        Interop.Libc.ENOENT => $"the keytab {keytab} does not exist",
        Interop.Libc.EACCES or Interop.Libc.EPERM => $"the keytab {keytab} is not readable by the gateway's user (uid {Interop.Libc.geteuid()})",
        Interop.Krb5.KRB5_KT_NOTFOUND => $"the keytab {keytab} holds no key for {principal}",
        _ => $"the keytab {keytab} cannot be used: {e.LibraryMessage}",
    };

    private static string Fix(string keytab, string principal) =>
        $". The gateway proves that password logins were answered by the realm's real KDC with a key of its own service principal: " +
        $"create one (kadmin: addprinc -randkey {principal}; ktadd -k {keytab} {principal}), give it to the gateway's user only " +
        $"(chown slurmnative-gw {keytab}; chmod 400 {keytab}), or point \"keytab\" and \"verify_principal\" in gateway.json at the key it has. " +
        "\"verify_kdc\": false starts without the check, and then whoever can answer the gateway's Kerberos traffic can log in as anyone.";
}
