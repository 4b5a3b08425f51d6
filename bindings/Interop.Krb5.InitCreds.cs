using System.Runtime.InteropServices;

namespace SlurmNative;

internal static partial class Interop
{
    internal static partial class Krb5
    {
        [LibraryImport(Libraries.Krb5)]
        internal static partial int krb5_get_init_creds_opt_alloc(SafeKrb5ContextHandle context, out nint opt);

        [LibraryImport(Libraries.Krb5)]
        internal static partial void krb5_get_init_creds_opt_free(nint context, nint opt);

        [LibraryImport(Libraries.Krb5)]
        internal static partial void krb5_get_init_creds_opt_set_forwardable(SafeKrb5InitCredsOptionsHandle opt, int forwardable);

        [LibraryImport(Libraries.Krb5)]
        internal static partial void krb5_get_init_creds_opt_set_proxiable(SafeKrb5InitCredsOptionsHandle opt, int proxiable);

        [LibraryImport(Libraries.Krb5)]
        internal static partial void krb5_get_init_creds_opt_set_renew_life(SafeKrb5InitCredsOptionsHandle opt, int renew_life);

        [LibraryImport(Libraries.Krb5)]
        internal static partial void krb5_get_init_creds_opt_set_tkt_life(SafeKrb5InitCredsOptionsHandle opt, int tkt_life);

        /// <summary><paramref name="addresses"/> is a NULL-terminated krb5_address **; NULL asks for an addressless ticket.</summary>
        [LibraryImport(Libraries.Krb5)]
        internal static partial void krb5_get_init_creds_opt_set_address_list(SafeKrb5InitCredsOptionsHandle opt, nint addresses);

        /// <summary>
        /// AS request with a password. The prompter may be NULL (then any KDC prompt, e.g. an expired password,
        /// fails). <paramref name="password"/> is a NUL-terminated UTF-8 buffer the caller wipes.
        /// </summary>
        [LibraryImport(Libraries.Krb5, StringMarshalling = StringMarshalling.Utf8)]
        internal static partial int krb5_get_init_creds_password(
            SafeKrb5ContextHandle context, ref Krb5Creds creds, SafeKrb5PrincipalHandle client, ReadOnlySpan<byte> password,
            nint prompter, nint data, int start_time, string? in_tkt_service, SafeKrb5InitCredsOptionsHandle k5_gic_options);

        /// <summary><c>krb5_verify_init_creds_opt</c>: caller-allocated; set with the two functions below, never by hand.</summary>
        [NativeStruct("krb5_verify_init_creds_opt")]
        [StructLayout(LayoutKind.Sequential)]
        internal struct Krb5VerifyInitCredsOpt
        {
            internal int flags;             // krb5_flags, KRB5_VERIFY_INIT_CREDS_OPT_*
            internal int ap_req_nofail;     // boolean
        }

        [LibraryImport(Libraries.Krb5)]
        internal static partial void krb5_verify_init_creds_opt_init(ref Krb5VerifyInitCredsOpt k5_vic_options);

        /// <summary>
        /// Non-zero: <see cref="krb5_verify_init_creds"/> fails unless it could really verify (a missing keytab or key is an
        /// error). Without it, krb5.conf's verify_ap_req_nofail decides, and its default (false) skips the check silently.
        /// </summary>
        [LibraryImport(Libraries.Krb5)]
        internal static partial void krb5_verify_init_creds_opt_set_ap_req_nofail(ref Krb5VerifyInitCredsOpt k5_vic_options, int ap_req_nofail);

        /// <summary>
        /// Proves that <paramref name="creds"/> came from a KDC that knows <paramref name="server"/>'s key in
        /// <paramref name="keytab"/>: a TGS request for <paramref name="server"/> with the TGT, then the AP-REQ made from
        /// that ticket is read back with the keytab. <paramref name="ccache"/> is a krb5_ccache *; NULL discards the
        /// service ticket fetched on the way.
        /// </summary>
        [LibraryImport(Libraries.Krb5)]
        internal static partial int krb5_verify_init_creds(SafeKrb5ContextHandle context, SafeKrb5CredsHandle creds, SafeKrb5PrincipalHandle server,
            SafeKrb5KeytabHandle keytab, nint ccache, ref Krb5VerifyInitCredsOpt options);

        internal const int KRB5_VERIFY_INIT_CREDS_OPT_AP_REQ_NOFAIL = 0x0001;

        // krb5_get_init_creds_opt.flags bits (set by the setters above).
        internal const int KRB5_GET_INIT_CREDS_OPT_TKT_LIFE = 0x0001;
        internal const int KRB5_GET_INIT_CREDS_OPT_RENEW_LIFE = 0x0002;
        internal const int KRB5_GET_INIT_CREDS_OPT_FORWARDABLE = 0x0004;
        internal const int KRB5_GET_INIT_CREDS_OPT_PROXIABLE = 0x0008;
        internal const int KRB5_GET_INIT_CREDS_OPT_ADDRESS_LIST = 0x0020;
    }
}
