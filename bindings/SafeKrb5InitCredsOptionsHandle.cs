using System.Runtime.InteropServices;

namespace SlurmNative;

/// <summary>An owned <c>krb5_get_init_creds_opt</c> (krb5_get_init_creds_opt_alloc); keeps its context alive.</summary>
internal sealed class SafeKrb5InitCredsOptionsHandle : SafeHandle
{
    private readonly SafeKrb5ContextHandle? _context;

    private SafeKrb5InitCredsOptionsHandle(SafeKrb5ContextHandle context, nint options) : base(0, ownsHandle: true)
    {
        context.AddDependent();
        _context = context;
        SetHandle(options);
    }

    public override bool IsInvalid => handle == 0;

    /// <summary>Allocated with krb5.conf's defaults applied (krb5_get_init_creds_opt_alloc).</summary>
    internal static SafeKrb5InitCredsOptionsHandle Create(SafeKrb5ContextHandle context)
    {
        int error = Interop.Krb5.krb5_get_init_creds_opt_alloc(context, out nint options);
        Krb5Exception.ThrowIfError(context, error, "krb5_get_init_creds_opt_alloc");
        return new SafeKrb5InitCredsOptionsHandle(context, options);
    }

    internal void SetForwardable(bool forwardable) =>
        Interop.Krb5.krb5_get_init_creds_opt_set_forwardable(this, forwardable ? 1 : 0);

    internal void SetProxiable(bool proxiable) =>
        Interop.Krb5.krb5_get_init_creds_opt_set_proxiable(this, proxiable ? 1 : 0);

    internal void SetRenewLife(TimeSpan renewLife) =>
        Interop.Krb5.krb5_get_init_creds_opt_set_renew_life(this, checked((int)renewLife.TotalSeconds));

    internal void SetTicketLife(TimeSpan ticketLife) =>
        Interop.Krb5.krb5_get_init_creds_opt_set_tkt_life(this, checked((int)ticketLife.TotalSeconds));

    /// <summary>Asks for a ticket usable from any host (an empty address list), as <c>kinit -A</c>.</summary>
    internal void SetAddressless() =>
        Interop.Krb5.krb5_get_init_creds_opt_set_address_list(this, 0);

    protected override bool ReleaseHandle()
    {
        Interop.Krb5.krb5_get_init_creds_opt_free(_context!.DangerousGetHandle(), handle);
        _context.DangerousRelease();
        return true;
    }
}
