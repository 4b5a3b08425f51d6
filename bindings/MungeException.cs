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

/// <summary>A failed libmunge call: the <c>munge_err_t</c> and MUNGE's own message for it.</summary>
internal sealed class MungeException : Exception
{
    internal MungeException(MungeError error, string libraryMessage, string? operation = null)
        : base(operation is null ? libraryMessage : $"{operation}: {libraryMessage}")
    {
        Error = error;
        LibraryMessage = libraryMessage;
    }

    public MungeError Error { get; }

    /// <summary><c>munge_ctx_strerror</c> when the context has detail, else <c>munge_strerror</c>.</summary>
    public string LibraryMessage { get; }

    internal static MungeException Create(SafeMungeContextHandle? context, int error, string operation)
    {
        string? message = context is null ? null : Interop.Munge.GetContextError(context);
        return new MungeException((MungeError)error, message ?? Interop.Munge.GetErrorString(error), operation);
    }
}
