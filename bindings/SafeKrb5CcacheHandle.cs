using System.Runtime.InteropServices;

namespace SlurmNative;

/// <summary>
/// An open <c>krb5_ccache</c>. Disposing closes it (krb5_cc_close, the cache stays);
/// <see cref="Destroy"/> removes the cache itself. Keeps its context alive.
/// </summary>
internal sealed class SafeKrb5CcacheHandle : SafeHandle
{
    private readonly SafeKrb5ContextHandle? _context;
    private bool _destroy;
    private int _destroyResult;

    private SafeKrb5CcacheHandle(SafeKrb5ContextHandle context, nint cache) : base(0, ownsHandle: true)
    {
        context.AddDependent();
        _context = context;
        SetHandle(cache);
    }

    public override bool IsInvalid => handle == 0;

    internal SafeKrb5ContextHandle Context => _context ?? throw new InvalidOperationException("ccache without context");

    /// <summary>krb5_cc_default: the cache <see cref="SafeKrb5ContextHandle.DefaultCcacheName"/> names.</summary>
    internal static SafeKrb5CcacheHandle Default(SafeKrb5ContextHandle context)
    {
        int error = Interop.Krb5.krb5_cc_default(context, out nint cache);
        Krb5Exception.ThrowIfError(context, error, "krb5_cc_default");
        return new SafeKrb5CcacheHandle(context, cache);
    }

    /// <summary>krb5_cc_resolve "TYPE:residual" (FILE:/tmp/krb5cc_1000, MEMORY:x, KCM:, …). Opens nothing yet.</summary>
    internal static SafeKrb5CcacheHandle Resolve(SafeKrb5ContextHandle context, string name)
    {
        int error = Interop.Krb5.krb5_cc_resolve(context, name, out nint cache);
        Krb5Exception.ThrowIfError(context, error, $"krb5_cc_resolve '{name}'");
        return new SafeKrb5CcacheHandle(context, cache);
    }

    /// <summary>krb5_cc_new_unique: a new, empty, uniquely named cache of <paramref name="type"/> ("MEMORY", "FILE").</summary>
    internal static SafeKrb5CcacheHandle NewUnique(SafeKrb5ContextHandle context, string type)
    {
        int error = Interop.Krb5.krb5_cc_new_unique(context, type, null, out nint cache);
        Krb5Exception.ThrowIfError(context, error, $"krb5_cc_new_unique {type}");
        return new SafeKrb5CcacheHandle(context, cache);
    }

    /// <summary>krb5_cc_get_type: "FILE", "MEMORY", "KCM", "KEYRING", …</summary>
    internal string Type => Marshal.PtrToStringUTF8(Interop.Krb5.krb5_cc_get_type(Context, this)) ?? string.Empty;

    /// <summary>krb5_cc_get_full_name: "TYPE:residual", usable as KRB5CCNAME.</summary>
    internal string FullName
    {
        get
        {
            int error = Interop.Krb5.krb5_cc_get_full_name(Context, this, out nint name);
            Krb5Exception.ThrowIfError(Context, error, "krb5_cc_get_full_name");
            return Interop.Krb5.TakeString(Context, name);
        }
    }

    /// <summary>krb5_cc_initialize: empties the cache and sets its default principal.</summary>
    internal void Initialize(SafeKrb5PrincipalHandle principal)
    {
        int error = Interop.Krb5.krb5_cc_initialize(Context, this, principal);
        Krb5Exception.ThrowIfError(Context, error, "krb5_cc_initialize");
    }

    /// <summary>krb5_cc_store_cred.</summary>
    internal void Store(SafeKrb5CredsHandle creds)
    {
        int error = Interop.Krb5.krb5_cc_store_cred(Context, this, creds);
        Krb5Exception.ThrowIfError(Context, error, "krb5_cc_store_cred");
    }

    /// <summary>krb5_cc_get_principal: the cache's default principal. Throws (e.g. KRB5_FCC_NOFILE) if there is none.</summary>
    internal SafeKrb5PrincipalHandle GetPrincipal()
    {
        int error = Interop.Krb5.krb5_cc_get_principal(Context, this, out nint principal);
        Krb5Exception.ThrowIfError(Context, error, "krb5_cc_get_principal");
        return SafeKrb5PrincipalHandle.Own(Context, principal);
    }

    /// <summary>Every credential in the cache (config entries included), each an owned copy.</summary>
    internal List<SafeKrb5CredsHandle> GetAllCredentials()
    {
        SafeKrb5ContextHandle context = Context;
        int error = Interop.Krb5.krb5_cc_start_seq_get(context, this, out nint cursor);
        Krb5Exception.ThrowIfError(context, error, "krb5_cc_start_seq_get");
        var all = new List<SafeKrb5CredsHandle>();
        try
        {
            while (true)
            {
                var creds = default(Interop.Krb5.Krb5Creds);
                error = Interop.Krb5.krb5_cc_next_cred(context, this, ref cursor, ref creds);
                if (error == Interop.Krb5.KRB5_CC_END)
                    break;
                Krb5Exception.ThrowIfError(context, error, "krb5_cc_next_cred");
                all.Add(SafeKrb5CredsHandle.CopyAndFreeContents(context, ref creds));
            }
        }
        catch
        {
            foreach (SafeKrb5CredsHandle creds in all)
                creds.Dispose();
            throw;
        }
        finally
        {
            Interop.Krb5.krb5_cc_end_seq_get(context, this, ref cursor);
        }
        return all;
    }

    /// <summary>
    /// krb5_get_credentials for <paramref name="server"/> as the cache's principal: a TGS request unless
    /// <paramref name="options"/> has KRB5_GC_CACHED; the result is stored in the cache unless KRB5_GC_NO_STORE.
    /// </summary>
    internal SafeKrb5CredsHandle GetCredentials(SafeKrb5PrincipalHandle server, int options = 0)
    {
        using SafeKrb5PrincipalHandle client = GetPrincipal();
        bool clientAdded = false, serverAdded = false;
        try
        {
            client.DangerousAddRef(ref clientAdded);
            server.DangerousAddRef(ref serverAdded);
            var request = new Interop.Krb5.Krb5Creds
            {
                client = client.DangerousGetHandle(),
                server = server.DangerousGetHandle(),
            };
            int error = Interop.Krb5.krb5_get_credentials(Context, options, this, ref request, out nint result);
            Krb5Exception.ThrowIfError(Context, error, $"krb5_get_credentials {server}");
            return SafeKrb5CredsHandle.Own(Context, result);
        }
        finally
        {
            if (serverAdded)
                server.DangerousRelease();
            if (clientAdded)
                client.DangerousRelease();
        }
    }

    /// <summary>
    /// krb5_cc_destroy: deletes the cache and releases this handle. Call it when no other thread uses the handle;
    /// otherwise the destruction happens when the last user lets go, and its error is not reported.
    /// </summary>
    internal void Destroy()
    {
        ObjectDisposedException.ThrowIf(IsClosed, this);
        _destroy = true;
        Dispose();
        if (IsClosed && _destroyResult != 0)
            throw Krb5Exception.Create(Context, _destroyResult, "krb5_cc_destroy");
    }

    protected override bool ReleaseHandle()
    {
        nint context = _context!.DangerousGetHandle();
        if (_destroy)
            _destroyResult = Interop.Krb5.krb5_cc_destroy(context, handle);
        else
            Interop.Krb5.krb5_cc_close(context, handle);
        _context.DangerousRelease();
        return true;
    }
}
