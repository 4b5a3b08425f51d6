using System.Runtime.InteropServices;

namespace SlurmNative;

internal static partial class Interop
{
    /// <summary>
    /// libmunge (munge.h). munge_ctx_set / munge_ctx_get are variadic in C; they are bound below as fixed,
    /// typed overloads, one per option type. That is sound on the SysV x86-64 and Linux AArch64 (AAPCS64)
    /// calling conventions for integer and pointer arguments: there, a variadic argument of type int,
    /// unsigned int, long or pointer travels in the same register (or stack slot) as a named argument of that
    /// type would. On x86-64 a variadic callee also reads %al as an upper bound of the vector registers used;
    /// a non-variadic call leaves %al unspecified, and glibc-built callees only use it to decide whether to
    /// spill %xmm0-7 in the prologue, which is harmless (no floating-point argument is ever passed).
    /// It is NOT sound on Apple arm64 (variadic arguments go on the stack) nor for float/double/struct
    /// arguments. The munge source reads each option with va_arg of exactly these types (int, char *,
    /// uid_t, gid_t, and for get: int *, char **, time_t *).
    /// </summary>
    internal static partial class Munge
    {
        // munge_err_t.
        internal const int EMUNGE_SUCCESS = 0;
        internal const int EMUNGE_SNAFU = 1;
        internal const int EMUNGE_BAD_ARG = 2;
        internal const int EMUNGE_BAD_LENGTH = 3;
        internal const int EMUNGE_OVERFLOW = 4;
        internal const int EMUNGE_NO_MEMORY = 5;
        internal const int EMUNGE_SOCKET = 6;
        internal const int EMUNGE_TIMEOUT = 7;
        internal const int EMUNGE_BAD_CRED = 8;
        internal const int EMUNGE_BAD_VERSION = 9;
        internal const int EMUNGE_BAD_CIPHER = 10;
        internal const int EMUNGE_BAD_MAC = 11;
        internal const int EMUNGE_BAD_ZIP = 12;
        internal const int EMUNGE_BAD_REALM = 13;
        internal const int EMUNGE_CRED_INVALID = 14;
        internal const int EMUNGE_CRED_EXPIRED = 15;
        internal const int EMUNGE_CRED_REWOUND = 16;
        internal const int EMUNGE_CRED_REPLAYED = 17;
        internal const int EMUNGE_CRED_UNAUTHORIZED = 18;

        // munge_opt_t.
        internal const int MUNGE_OPT_CIPHER_TYPE = 0;
        internal const int MUNGE_OPT_MAC_TYPE = 1;
        internal const int MUNGE_OPT_ZIP_TYPE = 2;
        internal const int MUNGE_OPT_REALM = 3;
        internal const int MUNGE_OPT_TTL = 4;
        internal const int MUNGE_OPT_ADDR4 = 5;
        internal const int MUNGE_OPT_ENCODE_TIME = 6;
        internal const int MUNGE_OPT_DECODE_TIME = 7;
        internal const int MUNGE_OPT_SOCKET = 8;
        internal const int MUNGE_OPT_UID_RESTRICTION = 9;
        internal const int MUNGE_OPT_GID_RESTRICTION = 10;

        // munge_ttl_t, munge_uid_t, munge_gid_t.
        internal const int MUNGE_TTL_MAXIMUM = -1;
        internal const int MUNGE_TTL_DEFAULT = 0;
        internal const uint MUNGE_UID_ANY = unchecked((uint)-1);
        internal const uint MUNGE_GID_ANY = unchecked((uint)-1);

        [LibraryImport(Libraries.Munge)]
        internal static partial nint munge_ctx_create();

        [LibraryImport(Libraries.Munge)]
        internal static partial void munge_ctx_destroy(nint ctx);

        /// <summary>The context's last error detail, or NULL; owned by the context.</summary>
        [LibraryImport(Libraries.Munge)]
        internal static partial nint munge_ctx_strerror(SafeMungeContextHandle ctx);

        /// <summary>A static string (do not free).</summary>
        [LibraryImport(Libraries.Munge)]
        internal static partial nint munge_strerror(int e);

        /// <summary>MUNGE_OPT_SOCKET, MUNGE_OPT_REALM (char *; munge copies it).</summary>
        [LibraryImport(Libraries.Munge, StringMarshalling = StringMarshalling.Utf8)]
        internal static partial int munge_ctx_set(SafeMungeContextHandle ctx, int opt, string? value);

        /// <summary>MUNGE_OPT_TTL, MUNGE_OPT_CIPHER_TYPE, MUNGE_OPT_MAC_TYPE, MUNGE_OPT_ZIP_TYPE (int).</summary>
        [LibraryImport(Libraries.Munge)]
        internal static partial int munge_ctx_set(SafeMungeContextHandle ctx, int opt, int value);

        /// <summary>MUNGE_OPT_UID_RESTRICTION, MUNGE_OPT_GID_RESTRICTION (uid_t / gid_t).</summary>
        [LibraryImport(Libraries.Munge)]
        internal static partial int munge_ctx_set(SafeMungeContextHandle ctx, int opt, uint value);

        /// <summary>MUNGE_OPT_TTL and the other int options (int *).</summary>
        [LibraryImport(Libraries.Munge)]
        internal static partial int munge_ctx_get(SafeMungeContextHandle ctx, int opt, out int value);

        /// <summary>MUNGE_OPT_UID_RESTRICTION, MUNGE_OPT_GID_RESTRICTION (uid_t * / gid_t *).</summary>
        [LibraryImport(Libraries.Munge)]
        internal static partial int munge_ctx_get(SafeMungeContextHandle ctx, int opt, out uint value);

        /// <summary>MUNGE_OPT_ENCODE_TIME, MUNGE_OPT_DECODE_TIME (time_t *).</summary>
        [LibraryImport(Libraries.Munge)]
        internal static partial int munge_ctx_get(SafeMungeContextHandle ctx, int opt, out long value);

        /// <summary>MUNGE_OPT_SOCKET, MUNGE_OPT_REALM (char **; the string stays owned by the context).</summary>
        [LibraryImport(Libraries.Munge)]
        internal static partial int munge_ctx_get(SafeMungeContextHandle ctx, int opt, out nint value);

        /// <summary>Creates a credential; <paramref name="cred"/> is malloc'd: free it with libc free.</summary>
        [LibraryImport(Libraries.Munge)]
        internal static unsafe partial int munge_encode(out nint cred, SafeMungeContextHandle ctx, byte* buf, int len);

        /// <summary>
        /// Validates a credential. <paramref name="buf"/> is malloc'd (free it with libc free) and, like uid/gid,
        /// is also returned for EMUNGE_CRED_EXPIRED, _REWOUND and _REPLAYED: always free it when non-NULL.
        /// </summary>
        [LibraryImport(Libraries.Munge, StringMarshalling = StringMarshalling.Utf8)]
        internal static partial int munge_decode(string cred, SafeMungeContextHandle ctx, out nint buf, out int len, out uint uid, out uint gid);

        internal static string GetErrorString(int error) =>
            Marshal.PtrToStringUTF8(munge_strerror(error)) ?? $"MUNGE error {error}";

        internal static string? GetContextError(SafeMungeContextHandle context) =>
            context.IsInvalid || context.IsClosed ? null : Marshal.PtrToStringUTF8(munge_ctx_strerror(context));
    }
}
