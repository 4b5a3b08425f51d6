using System.Runtime.InteropServices;
using System.Text;

namespace SlurmNative;

/// <summary>An owned <c>krb5_principal</c>; keeps its context alive, since freeing needs it.</summary>
internal sealed class SafeKrb5PrincipalHandle : SafeHandle
{
    private readonly SafeKrb5ContextHandle? _context;

    private SafeKrb5PrincipalHandle(SafeKrb5ContextHandle context, nint principal) : base(0, ownsHandle: true)
    {
        context.AddDependent();
        _context = context;
        SetHandle(principal);
    }

    public override bool IsInvalid => handle == 0;

    internal SafeKrb5ContextHandle Context => _context ?? throw new InvalidOperationException("principal without context");

    /// <summary>krb5_parse_name; a name without a realm gets the default realm.</summary>
    internal static SafeKrb5PrincipalHandle Parse(SafeKrb5ContextHandle context, string name)
    {
        int error = Interop.Krb5.krb5_parse_name(context, name, out nint principal);
        Krb5Exception.ThrowIfError(context, error, $"krb5_parse_name '{name}'");
        return new SafeKrb5PrincipalHandle(context, principal);
    }

    /// <summary>
    /// krb5_sname_to_principal for this host: <paramref name="service"/>/&lt;this host's name&gt; in the realm krb5.conf maps
    /// the host to, as pam_krb5 and sshd name a host's own key (e.g. host/login1.example.org@EXAMPLE.ORG).
    /// </summary>
    internal static SafeKrb5PrincipalHandle ForLocalHostService(SafeKrb5ContextHandle context, string service)
    {
        int error = Interop.Krb5.krb5_sname_to_principal(context, null, service, Interop.Krb5.KRB5_NT_SRV_HST, out nint principal);
        Krb5Exception.ThrowIfError(context, error, $"krb5_sname_to_principal {service}");
        return new SafeKrb5PrincipalHandle(context, principal);
    }

    /// <summary>Takes ownership of a principal the library allocated for the caller.</summary>
    internal static SafeKrb5PrincipalHandle Own(SafeKrb5ContextHandle context, nint principal) => new(context, principal);

    /// <summary>Copies a principal the library owns elsewhere (krb5_copy_principal).</summary>
    internal static SafeKrb5PrincipalHandle Copy(SafeKrb5ContextHandle context, nint principal)
    {
        int error = Interop.Krb5.krb5_copy_principal(context, principal, out nint copy);
        Krb5Exception.ThrowIfError(context, error, "krb5_copy_principal");
        return new SafeKrb5PrincipalHandle(context, copy);
    }

    /// <summary>krb5_unparse_name: "user@REALM".</summary>
    internal string Name
    {
        get
        {
            int error = Interop.Krb5.krb5_unparse_name(Context, this, out nint name);
            Krb5Exception.ThrowIfError(Context, error, "krb5_unparse_name");
            try
            {
                return Marshal.PtrToStringUTF8(name) ?? string.Empty;
            }
            finally
            {
                Interop.Krb5.krb5_free_unparsed_name(Context, name);
            }
        }
    }

    internal string Realm
    {
        get
        {
            bool added = false;
            try
            {
                DangerousAddRef(ref added);
                return Interop.Krb5.GetRealm(handle);
            }
            finally
            {
                if (added)
                    DangerousRelease();
            }
        }
    }

    /// <summary>krb5_principal_compare: same components and realm.</summary>
    internal bool NameEquals(SafeKrb5PrincipalHandle other) =>
        Interop.Krb5.krb5_principal_compare(Context, this, other) != 0;

    /// <summary>
    /// krb5_aname_to_localname: the local account krb5.conf's auth_to_local rules map this principal to,
    /// or null when no rule maps it (KRB5_LNAME_NOTRANS). Other failures throw.
    /// </summary>
    internal unsafe string? ToLocalName()
    {
        const int Size = 1024;
        byte* buffer = stackalloc byte[Size];
        int error = Interop.Krb5.krb5_aname_to_localname(Context, this, Size, buffer);
        if (error == Interop.Krb5.KRB5_LNAME_NOTRANS)
            return null;
        Krb5Exception.ThrowIfError(Context, error, "krb5_aname_to_localname");
        var name = new ReadOnlySpan<byte>(buffer, Size);
        int end = name.IndexOf((byte)0);
        return Encoding.UTF8.GetString(end < 0 ? name : name[..end]);
    }

    public override string ToString() => IsInvalid || IsClosed ? "(no principal)" : Name;

    protected override bool ReleaseHandle()
    {
        Interop.Krb5.krb5_free_principal(_context!.DangerousGetHandle(), handle);
        _context.DangerousRelease();
        return true;
    }
}
