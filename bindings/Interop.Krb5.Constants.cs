namespace SlurmNative;

internal static partial class Interop
{
    internal static partial class Krb5
    {
        // krb5_error_code values (com_err, krb5/krb5.h) the product tells apart.
        internal const int KRB5KDC_ERR_NONE = -1765328384;          // the krb5 error table's base
        internal const int KRB5KDC_ERR_C_PRINCIPAL_UNKNOWN = -1765328378;
        internal const int KRB5KDC_ERR_S_PRINCIPAL_UNKNOWN = -1765328377;
        internal const int KRB5KDC_ERR_BADOPTION = -1765328371;
        internal const int KRB5KDC_ERR_CLIENT_REVOKED = -1765328366;
        internal const int KRB5KDC_ERR_KEY_EXP = -1765328361;
        internal const int KRB5KDC_ERR_PREAUTH_FAILED = -1765328360;
        internal const int KRB5KRB_AP_ERR_BAD_INTEGRITY = -1765328353;
        internal const int KRB5KRB_AP_ERR_TKT_EXPIRED = -1765328352;
        internal const int KRB5_LIBOS_PWDINTR = -1765328252;
        internal const int KRB5_PARSE_MALFORMED = -1765328250;
        internal const int KRB5_CC_BADNAME = -1765328245;
        internal const int KRB5_CC_UNKNOWN_TYPE = -1765328244;
        internal const int KRB5_CC_NOTFOUND = -1765328243;
        internal const int KRB5_CC_END = -1765328242;
        internal const int KRB5_REALM_UNKNOWN = -1765328230;
        internal const int KRB5_KDC_UNREACH = -1765328228;
        internal const int KRB5_LNAME_NOTRANS = -1765328208;
        internal const int KRB5_KT_NOTFOUND = -1765328203;
        internal const int KRB5_FCC_NOFILE = -1765328189;
        internal const int KRB5_CC_NOMEM = -1765328186;
        internal const int KRB5_CC_FORMAT = -1765328185;
        internal const int KRB5_CONFIG_NODEFREALM = -1765328160;

        // krb5_get_credentials options.
        internal const int KRB5_GC_USER_USER = 1;
        internal const int KRB5_GC_CACHED = 2;
        internal const int KRB5_GC_CANONICALIZE = 4;
        internal const int KRB5_GC_NO_STORE = 8;
        internal const int KRB5_GC_FORWARDABLE = 16;

        // krb5_creds.ticket_flags.
        internal const int TKT_FLG_FORWARDABLE = 0x40000000;
        internal const int TKT_FLG_FORWARDED = 0x20000000;
        internal const int TKT_FLG_PROXIABLE = 0x10000000;
        internal const int TKT_FLG_PROXY = 0x08000000;
        internal const int TKT_FLG_MAY_POSTDATE = 0x04000000;
        internal const int TKT_FLG_POSTDATED = 0x02000000;
        internal const int TKT_FLG_INVALID = 0x01000000;
        internal const int TKT_FLG_RENEWABLE = 0x00800000;
        internal const int TKT_FLG_INITIAL = 0x00400000;
        internal const int TKT_FLG_PRE_AUTH = 0x00200000;
        internal const int TKT_FLG_HW_AUTH = 0x00100000;
        internal const int TKT_FLG_TRANSIT_POLICY_CHECKED = 0x00080000;
        internal const int TKT_FLG_OK_AS_DELEGATE = 0x00040000;
        internal const int TKT_FLG_ENC_PA_REP = 0x00010000;
        internal const int TKT_FLG_ANONYMOUS = 0x00008000;

        // Principal name types.
        internal const int KRB5_NT_UNKNOWN = 0;
        internal const int KRB5_NT_PRINCIPAL = 1;
        internal const int KRB5_NT_SRV_INST = 2;
        internal const int KRB5_NT_SRV_HST = 3;

        // Encryption types (for hand-built credentials and for reading keyblock.enctype).
        internal const int ENCTYPE_NULL = 0;
        internal const int ENCTYPE_AES128_CTS_HMAC_SHA1_96 = 0x0011;
        internal const int ENCTYPE_AES256_CTS_HMAC_SHA1_96 = 0x0012;
        internal const int ENCTYPE_AES128_CTS_HMAC_SHA256_128 = 0x0013;
        internal const int ENCTYPE_AES256_CTS_HMAC_SHA384_192 = 0x0014;

        // krb5_parse_name_flags / krb5_unparse_name_flags are not bound; the plain forms suffice.
        internal const string KRB5_TGS_NAME = "krbtgt";
    }
}
