namespace SlurmNative.Credentials.Protocol;

/// <summary>A reply's outcome. Values are on the wire: append, never renumber.</summary>
public enum ReplyStatus : byte
{
    Ok = 0,
    BadRequest = 1,
    Unauthenticated = 2,
    Forbidden = 3,
    NotFound = 4,
    CredentialRejected = 5,
    ServerError = 6,
    UnsupportedVersion = 7,
    TooLarge = 8,
    Busy = 9,

    /// <summary>The daemon is up but cannot reach its credential database; another daemon may.</summary>
    StoreUnavailable = 10,
}
