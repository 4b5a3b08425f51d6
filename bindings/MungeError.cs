namespace SlurmNative;

/// <summary>MUNGE's <c>munge_err_t</c>, typed; values are the ABI-checked <c>Interop.Munge.EMUNGE_*</c> constants.</summary>
internal enum MungeError
{
    Success = Interop.Munge.EMUNGE_SUCCESS,
    Snafu = Interop.Munge.EMUNGE_SNAFU,
    BadArgument = Interop.Munge.EMUNGE_BAD_ARG,
    BadLength = Interop.Munge.EMUNGE_BAD_LENGTH,
    Overflow = Interop.Munge.EMUNGE_OVERFLOW,
    NoMemory = Interop.Munge.EMUNGE_NO_MEMORY,
    Socket = Interop.Munge.EMUNGE_SOCKET,
    Timeout = Interop.Munge.EMUNGE_TIMEOUT,
    BadCredential = Interop.Munge.EMUNGE_BAD_CRED,
    BadVersion = Interop.Munge.EMUNGE_BAD_VERSION,
    BadCipher = Interop.Munge.EMUNGE_BAD_CIPHER,
    BadMac = Interop.Munge.EMUNGE_BAD_MAC,
    BadZip = Interop.Munge.EMUNGE_BAD_ZIP,
    BadRealm = Interop.Munge.EMUNGE_BAD_REALM,
    CredentialInvalid = Interop.Munge.EMUNGE_CRED_INVALID,
    CredentialExpired = Interop.Munge.EMUNGE_CRED_EXPIRED,
    CredentialRewound = Interop.Munge.EMUNGE_CRED_REWOUND,
    CredentialReplayed = Interop.Munge.EMUNGE_CRED_REPLAYED,
    CredentialUnauthorized = Interop.Munge.EMUNGE_CRED_UNAUTHORIZED,
}
