using System.Runtime.InteropServices;

namespace SlurmNative;

/// <summary>
/// One owned credential: a <c>krb5_creds *</c> the library allocated, freed with krb5_free_creds.
/// Credentials the library returns in a caller's struct (krb5_cc_next_cred, krb5_get_init_creds_password,
/// krb5_get_renewed_creds) are deep-copied into one of these, so there is a single release path.
/// Keeps its context alive.
/// </summary>
internal sealed class SafeKrb5CredsHandle : SafeHandle
{
    private readonly SafeKrb5ContextHandle? _context;

    private SafeKrb5CredsHandle(SafeKrb5ContextHandle context, nint creds) : base(0, ownsHandle: true)
    {
        context.AddDependent();
        _context = context;
        SetHandle(creds);
    }

    public override bool IsInvalid => handle == 0;

    internal SafeKrb5ContextHandle Context => _context ?? throw new InvalidOperationException("credentials without context");

    internal static SafeKrb5CredsHandle Own(SafeKrb5ContextHandle context, nint creds) => new(context, creds);

    /// <summary>krb5_copy_creds of a struct the caller filled, then krb5_free_cred_contents of that struct.</summary>
    internal static SafeKrb5CredsHandle CopyAndFreeContents(SafeKrb5ContextHandle context, ref Interop.Krb5.Krb5Creds creds)
    {
        try
        {
            int error = Interop.Krb5.krb5_copy_creds(context, in creds, out nint copy);
            Krb5Exception.ThrowIfError(context, error, "krb5_copy_creds");
            return new SafeKrb5CredsHandle(context, copy);
        }
        finally
        {
            Interop.Krb5.krb5_free_cred_contents(context, ref creds);
        }
    }

    /// <summary>krb5_unmarshal_credentials of what <see cref="Marshal"/> produced.</summary>
    internal static unsafe SafeKrb5CredsHandle Unmarshal(SafeKrb5ContextHandle context, ReadOnlySpan<byte> serialized)
    {
        fixed (byte* bytes = serialized)
        {
            var data = new Interop.Krb5.Krb5Data { length = (uint)serialized.Length, data = (nint)bytes };
            int error = Interop.Krb5.krb5_unmarshal_credentials(context, in data, out nint creds);
            Krb5Exception.ThrowIfError(context, error, "krb5_unmarshal_credentials");
            return new SafeKrb5CredsHandle(context, creds);
        }
    }

    /// <summary>
    /// A credential built from parts (deep-copied by krb5_copy_creds, so nothing managed stays referenced):
    /// for tests, and for anything that must construct a krb5_creds without a KDC.
    /// </summary>
    internal static unsafe SafeKrb5CredsHandle FromParts(
        SafeKrb5ContextHandle context, SafeKrb5PrincipalHandle client, SafeKrb5PrincipalHandle server,
        Interop.Krb5.Krb5TicketTimes times, int ticketFlags, int enctype, ReadOnlySpan<byte> key, ReadOnlySpan<byte> ticket)
    {
        bool clientAdded = false, serverAdded = false;
        try
        {
            client.DangerousAddRef(ref clientAdded);
            server.DangerousAddRef(ref serverAdded);
            fixed (byte* keyBytes = key)
            fixed (byte* ticketBytes = ticket)
            {
                var creds = new Interop.Krb5.Krb5Creds
                {
                    client = client.DangerousGetHandle(),
                    server = server.DangerousGetHandle(),
                    keyblock = new Interop.Krb5.Krb5Keyblock { enctype = enctype, length = (uint)key.Length, contents = (nint)keyBytes },
                    times = times,
                    ticket_flags = ticketFlags,
                    ticket = new Interop.Krb5.Krb5Data { length = (uint)ticket.Length, data = (nint)ticketBytes },
                };
                int error = Interop.Krb5.krb5_copy_creds(context, in creds, out nint copy);
                Krb5Exception.ThrowIfError(context, error, "krb5_copy_creds");
                return new SafeKrb5CredsHandle(context, copy);
            }
        }
        finally
        {
            if (serverAdded)
                server.DangerousRelease();
            if (clientAdded)
                client.DangerousRelease();
        }
    }

    /// <summary>krb5_marshal_credentials: the credential in FILE-ccache v4 / KCM encoding.</summary>
    internal unsafe byte[] Marshal()
    {
        int error = Interop.Krb5.krb5_marshal_credentials(Context, this, out nint data);
        Krb5Exception.ThrowIfError(Context, error, "krb5_marshal_credentials");
        try
        {
            return ((Interop.Krb5.Krb5Data*)data)->ToArray();
        }
        finally
        {
            Interop.Krb5.krb5_free_data(Context, data);
        }
    }

    /// <summary>A snapshot of the struct (value fields are safe to read; pointer fields belong to this handle).</summary>
    internal unsafe Interop.Krb5.Krb5Creds Value
    {
        get
        {
            bool added = false;
            try
            {
                DangerousAddRef(ref added);
                return *(Interop.Krb5.Krb5Creds*)handle;
            }
            finally
            {
                if (added)
                    DangerousRelease();
            }
        }
    }

    internal Interop.Krb5.Krb5TicketTimes Times => Value.times;

    /// <summary>krb5 stores 0 when the start time equals the auth time; this returns the effective start.</summary>
    internal DateTimeOffset StartTime => Interop.Krb5.ToDateTimeOffset(Times.starttime != 0 ? Times.starttime : Times.authtime);

    internal DateTimeOffset EndTime => Interop.Krb5.ToDateTimeOffset(Times.endtime);

    /// <summary>The renewal limit; the Unix epoch when the ticket is not renewable.</summary>
    internal DateTimeOffset RenewTill => Interop.Krb5.ToDateTimeOffset(Times.renew_till);

    /// <summary>krb5_creds.ticket_flags, TKT_FLG_* bits.</summary>
    internal int TicketFlags => Value.ticket_flags;

    /// <summary>True when the ticket lists no addresses (usable from any host).</summary>
    internal unsafe bool IsAddressless
    {
        get
        {
            nint addresses = Value.addresses;
            return addresses == 0 || *(nint*)addresses == 0;
        }
    }

    internal int KeyEnctype => Value.keyblock.enctype;

    /// <summary>The encoded ticket (not secret on its own; the session key is).</summary>
    internal byte[] Ticket => Value.ticket.ToArray();

    internal string ClientName => WithPointers(static (context, creds) => Interop.Krb5.UnparseName(context, creds.client));

    internal string ServerName => WithPointers(static (context, creds) => Interop.Krb5.UnparseName(context, creds.server));

    internal string ClientRealm => WithPointers(static (_, creds) => Interop.Krb5.GetRealm(creds.client));

    /// <summary>True for a ticket-granting ticket (server krbtgt/REALM@REALM).</summary>
    internal bool IsTicketGrantingTicket => ServerName.StartsWith(Interop.Krb5.KRB5_TGS_NAME + "/", StringComparison.Ordinal);

    /// <summary>An owned copy of the client principal.</summary>
    internal SafeKrb5PrincipalHandle GetClient() =>
        WithPointers(static (context, creds) => SafeKrb5PrincipalHandle.Copy(context, creds.client));

    private T WithPointers<T>(Func<SafeKrb5ContextHandle, Interop.Krb5.Krb5Creds, T> read)
    {
        bool added = false;
        try
        {
            DangerousAddRef(ref added);
            return read(Context, Value);
        }
        finally
        {
            if (added)
                DangerousRelease();
        }
    }

    protected override bool ReleaseHandle()
    {
        Interop.Krb5.krb5_free_creds(_context!.DangerousGetHandle(), handle);
        _context.DangerousRelease();
        return true;
    }
}
