using System.Runtime.InteropServices;

namespace SlurmNative;

/// <summary>An owned <c>krb5_keytab</c> (krb5_kt_resolve); keeps its context alive, since closing needs it.</summary>
internal sealed class SafeKrb5KeytabHandle : SafeHandle
{
    private readonly SafeKrb5ContextHandle? _context;

    private SafeKrb5KeytabHandle(SafeKrb5ContextHandle context, nint keytab) : base(0, ownsHandle: true)
    {
        context.AddDependent();
        _context = context;
        SetHandle(keytab);
    }

    public override bool IsInvalid => handle == 0;

    internal SafeKrb5ContextHandle Context => _context ?? throw new InvalidOperationException("keytab without context");

    /// <summary>krb5_kt_resolve: a name only; a FILE keytab is first read by <see cref="FindEntryPrincipal"/> or a verification.</summary>
    internal static SafeKrb5KeytabHandle Resolve(SafeKrb5ContextHandle context, string name)
    {
        int error = Interop.Krb5.krb5_kt_resolve(context, name, out nint keytab);
        Krb5Exception.ThrowIfError(context, error, $"krb5_kt_resolve '{name}'");
        return new SafeKrb5KeytabHandle(context, keytab);
    }

    /// <summary>
    /// The full name (with its realm) of the principal whose highest-kvno key the keytab holds for
    /// <paramref name="principal"/> (krb5_kt_get_entry). The key itself is freed, and zeroed, at once.
    /// </summary>
    internal string FindEntryPrincipal(SafeKrb5PrincipalHandle principal)
    {
        int error = Interop.Krb5.krb5_kt_get_entry(Context, this, principal, 0, 0, out Interop.Krb5.Krb5KeytabEntry entry);
        Krb5Exception.ThrowIfError(Context, error, $"krb5_kt_get_entry {principal}");
        try
        {
            return Interop.Krb5.UnparseName(Context, entry.principal);
        }
        finally
        {
            Interop.Krb5.krb5_free_keytab_entry_contents(Context, ref entry);
        }
    }

    protected override bool ReleaseHandle()
    {
        Interop.Krb5.krb5_kt_close(_context!.DangerousGetHandle(), handle);
        _context.DangerousRelease();
        return true;
    }
}
