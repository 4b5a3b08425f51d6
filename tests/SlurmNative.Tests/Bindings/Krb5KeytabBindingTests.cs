using SlurmNative.Credentials.Kerberos;
using SlurmNative.Tests.TestSupport;

namespace SlurmNative.Tests.Bindings;

/// <summary>Keytabs and krb5_verify_init_creds through the bindings, with keytabs ktutil makes: no KDC needed.</summary>
public sealed class Krb5KeytabBindingTests
{
    private const string Service = "svc/gateway.test@EXAMPLE.TEST";

    [Fact]
    public void The_highest_kvno_entry_of_a_principal_is_found_with_its_realm()
    {
        using var dir = new TempDirectory();
        string path = dir.File("svc.keytab");
        TestKeytab.Create(path, Service, kvno: 7);
        using var context = SafeKrb5ContextHandle.Create();
        using var keytab = SafeKrb5KeytabHandle.Resolve(context, path);
        using var wanted = SafeKrb5PrincipalHandle.Parse(context, Service);
        Assert.Equal(Service, keytab.FindEntryPrincipal(wanted));
    }

    [Fact]
    public void A_principal_the_keytab_does_not_hold_is_kt_notfound()
    {
        using var dir = new TempDirectory();
        string path = dir.File("svc.keytab");
        TestKeytab.Create(path, Service);
        using var context = SafeKrb5ContextHandle.Create();
        using var keytab = SafeKrb5KeytabHandle.Resolve(context, path);
        using var other = SafeKrb5PrincipalHandle.Parse(context, "host/elsewhere.test@EXAMPLE.TEST");
        Assert.Equal(Interop.Krb5.KRB5_KT_NOTFOUND, Assert.Throws<Krb5Exception>(() => keytab.FindEntryPrincipal(other)).ErrorCode);
    }

    [Fact]
    public void A_missing_keytab_file_is_enoent_naming_the_file()
    {
        using var dir = new TempDirectory();
        string path = dir.File("absent.keytab");
        using var context = SafeKrb5ContextHandle.Create();
        using var keytab = SafeKrb5KeytabHandle.Resolve(context, path);
        using var wanted = SafeKrb5PrincipalHandle.Parse(context, Service);
        Krb5Exception e = Assert.Throws<Krb5Exception>(() => keytab.FindEntryPrincipal(wanted));
        Assert.Equal(Interop.Libc.ENOENT, e.ErrorCode);
        Assert.Contains(path, e.LibraryMessage, StringComparison.Ordinal);
    }

    [Fact]
    public void The_default_host_principal_is_host_slash_this_hosts_name()
    {
        using var context = SafeKrb5ContextHandle.Create();
        using var host = SafeKrb5PrincipalHandle.ForLocalHostService(context, "host");
        Assert.StartsWith($"host/{Environment.MachineName.ToLowerInvariant()}", host.Name, StringComparison.Ordinal);
    }

    // Without ap_req_nofail, krb5_verify_init_creds reports success when it finds no key to verify with:
    // the silent skip a gateway must never take. These show the binding sets it.
    [Fact]
    public void Verification_without_the_servers_key_fails_instead_of_being_skipped()
    {
        using var dir = new TempDirectory();
        string path = dir.File("svc.keytab");
        TestKeytab.Create(path, Service);
        using var context = SafeKrb5ContextHandle.Create();
        using SafeKrb5CredsHandle tgt = TestTickets.Create(context, TimeSpan.FromHours(1), client: "alice@EXAMPLE.TEST", server: "krbtgt/EXAMPLE.TEST@EXAMPLE.TEST");
        using var keytab = SafeKrb5KeytabHandle.Resolve(context, path);
        using var unknown = SafeKrb5PrincipalHandle.Parse(context, "host/elsewhere.test@EXAMPLE.TEST");
        Assert.Equal(Interop.Krb5.KRB5_KT_NOTFOUND, Assert.Throws<Krb5Exception>(() => KerberosLogin.VerifyWithKeytab(tgt, unknown, keytab)).ErrorCode);
    }

    [Fact]
    public void Verification_without_a_keytab_file_fails_instead_of_being_skipped()
    {
        using var dir = new TempDirectory();
        using var context = SafeKrb5ContextHandle.Create();
        using SafeKrb5CredsHandle tgt = TestTickets.Create(context, TimeSpan.FromHours(1), client: "alice@EXAMPLE.TEST", server: "krbtgt/EXAMPLE.TEST@EXAMPLE.TEST");
        using var keytab = SafeKrb5KeytabHandle.Resolve(context, dir.File("absent.keytab"));
        using var server = SafeKrb5PrincipalHandle.Parse(context, Service);
        Assert.Throws<Krb5Exception>(() => KerberosLogin.VerifyWithKeytab(tgt, server, keytab));
    }
}
