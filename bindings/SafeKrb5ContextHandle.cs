using System.Runtime.InteropServices;

namespace SlurmNative;

/// <summary>
/// An owned <c>krb5_context</c>. Not thread-safe (MIT's rule): use one per thread. Handles created from it
/// (ccache, principal, credentials, options) keep it alive until they are released themselves.
/// </summary>
internal sealed class SafeKrb5ContextHandle : SafeHandle
{
    public SafeKrb5ContextHandle() : base(0, ownsHandle: true)
    {
    }

    public override bool IsInvalid => handle == 0;

    /// <summary>krb5_init_context: honours KRB5_CONFIG, KRB5CCNAME and the rest of the environment.</summary>
    internal static SafeKrb5ContextHandle Create() => Create(secure: false);

    /// <summary>krb5_init_context_secure: ignores the environment's configuration; for privileged processes.</summary>
    internal static SafeKrb5ContextHandle CreateSecure() => Create(secure: true);

    private static SafeKrb5ContextHandle Create(bool secure)
    {
        var context = new SafeKrb5ContextHandle();
        int error = secure ? Interop.Krb5.krb5_init_secure_context(out nint raw) : Interop.Krb5.krb5_init_context(out raw);
        if (error != 0)
        {
            if (raw != 0)
                Interop.Krb5.krb5_free_context(raw);
            context.SetHandleAsInvalid();
            throw new Krb5Exception(error, Interop.Krb5.GetErrorMessage(null, error), secure ? "krb5_init_secure_context" : "krb5_init_context");
        }
        context.SetHandle(raw);
        return context;
    }

    /// <summary>The library's notion of now (krb5_timeofday, which honours the context's clock offset).</summary>
    internal DateTimeOffset Now
    {
        get
        {
            int error = Interop.Krb5.krb5_timeofday(this, out int now);
            Krb5Exception.ThrowIfError(this, error, "krb5_timeofday");
            return Interop.Krb5.ToDateTimeOffset(now);
        }
    }

    /// <summary>krb5_cc_default_name: KRB5CCNAME, else krb5.conf's default_ccache_name, else the built-in.</summary>
    internal string DefaultCcacheName
    {
        get
        {
            nint name = Interop.Krb5.krb5_cc_default_name(this);
            if (name == 0)
                throw new Krb5Exception(Interop.Krb5.KRB5_CC_BADNAME, "no default credential cache name", "krb5_cc_default_name");
            return Marshal.PtrToStringUTF8(name) ?? string.Empty;
        }
    }

    protected override bool ReleaseHandle()
    {
        Interop.Krb5.krb5_free_context(handle);
        return true;
    }

    /// <summary>AddRef for a dependent handle; the dependent calls <see cref="SafeHandle.DangerousRelease"/> when freed.</summary>
    internal void AddDependent()
    {
        bool added = false;
        DangerousAddRef(ref added);
        if (!added)
            throw new ObjectDisposedException(nameof(SafeKrb5ContextHandle));
    }
}
