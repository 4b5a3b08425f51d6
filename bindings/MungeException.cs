namespace SlurmNative;

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
