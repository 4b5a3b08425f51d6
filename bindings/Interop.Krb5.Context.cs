using System.Runtime.InteropServices;

namespace SlurmNative;

internal static partial class Interop
{
    /// <summary>MIT libkrb5 (krb5/krb5.h). A krb5_context is not thread-safe: one per thread of use.</summary>
    internal static partial class Krb5
    {
        [LibraryImport(Libraries.Krb5)]
        internal static partial int krb5_init_context(out nint context);

        /// <summary>Like krb5_init_context but ignores KRB5_CONFIG and friends: for privileged processes.</summary>
        [LibraryImport(Libraries.Krb5)]
        internal static partial int krb5_init_secure_context(out nint context);

        [LibraryImport(Libraries.Krb5)]
        internal static partial void krb5_free_context(nint context);

        // The context may be NULL (then only the com_err table's text is available).
        [LibraryImport(Libraries.Krb5)]
        internal static partial nint krb5_get_error_message(nint context, int code);

        [LibraryImport(Libraries.Krb5)]
        internal static partial void krb5_free_error_message(nint context, nint message);

        [LibraryImport(Libraries.Krb5)]
        internal static partial int krb5_timeofday(SafeKrb5ContextHandle context, out int timeret);

        [LibraryImport(Libraries.Krb5)]
        internal static partial void krb5_free_string(SafeKrb5ContextHandle context, nint value);

        [LibraryImport(Libraries.Krb5)]
        internal static partial void krb5_free_data(SafeKrb5ContextHandle context, nint value);

        /// <summary>krb5_get_error_message for <paramref name="code"/>; also for a context that failed to initialise.</summary>
        internal static string GetErrorMessage(SafeKrb5ContextHandle? context, int code)
        {
            bool added = false;
            try
            {
                nint raw = 0;
                if (context is not null && !context.IsInvalid && !context.IsClosed)
                {
                    context.DangerousAddRef(ref added);
                    raw = context.DangerousGetHandle();
                }
                nint message = krb5_get_error_message(raw, code);
                if (message == 0)
                    return $"Kerberos error {code}";
                try
                {
                    return Marshal.PtrToStringUTF8(message) ?? $"Kerberos error {code}";
                }
                finally
                {
                    krb5_free_error_message(raw, message);
                }
            }
            finally
            {
                if (added)
                    context!.DangerousRelease();
            }
        }

        /// <summary>Copies a string the library allocated and frees it with krb5_free_string.</summary>
        internal static string TakeString(SafeKrb5ContextHandle context, nint value)
        {
            try
            {
                return Marshal.PtrToStringUTF8(value) ?? string.Empty;
            }
            finally
            {
                if (value != 0)
                    krb5_free_string(context, value);
            }
        }
    }
}
