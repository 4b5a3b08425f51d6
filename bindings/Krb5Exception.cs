namespace SlurmNative;

/// <summary>A failed libkrb5 call: the <c>krb5_error_code</c> and the library's own message for it.</summary>
internal sealed class Krb5Exception : Exception
{
    internal Krb5Exception(int errorCode, string libraryMessage, string? operation = null)
        : base(operation is null ? libraryMessage : $"{operation}: {libraryMessage}")
    {
        ErrorCode = errorCode;
        LibraryMessage = libraryMessage;
        HResult = errorCode;
    }

    /// <summary>The <c>krb5_error_code</c> (a com_err code; compare with <c>Interop.Krb5.KRB5_*</c>).</summary>
    public int ErrorCode { get; }

    /// <summary>What <c>krb5_get_error_message</c> said, including any extended context the library set.</summary>
    public string LibraryMessage { get; }

    /// <summary>Throws if <paramref name="errorCode"/> is not 0, reading the message from <paramref name="context"/>.</summary>
    internal static void ThrowIfError(SafeKrb5ContextHandle context, int errorCode, string operation)
    {
        if (errorCode != 0)
            throw Create(context, errorCode, operation);
    }

    internal static Krb5Exception Create(SafeKrb5ContextHandle? context, int errorCode, string operation) =>
        new(errorCode, Interop.Krb5.GetErrorMessage(context, errorCode), operation);
}
