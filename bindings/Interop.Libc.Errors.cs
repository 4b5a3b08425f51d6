using System.Runtime.InteropServices;

namespace SlurmNative;

internal static partial class Interop
{
    /// <summary>glibc (libc.so.6). Calls that set errno use SetLastError; read it with <see cref="GetLastErrno"/>.</summary>
    internal static partial class Libc
    {
        // errno values (errno.h).
        internal const int EPERM = 1;
        internal const int ENOENT = 2;
        internal const int ESRCH = 3;
        internal const int EINTR = 4;
        internal const int EIO = 5;
        internal const int EBADF = 9;
        internal const int EAGAIN = 11;
        internal const int ENOMEM = 12;
        internal const int EACCES = 13;
        internal const int EEXIST = 17;
        internal const int EXDEV = 18;
        internal const int ENOTDIR = 20;
        internal const int EISDIR = 21;
        internal const int EINVAL = 22;
        internal const int ENOSPC = 28;
        internal const int EROFS = 30;
        internal const int EPIPE = 32;
        internal const int ERANGE = 34;
        internal const int ENAMETOOLONG = 36;
        internal const int ELOOP = 40;
        internal const int EWOULDBLOCK = EAGAIN; // what a socket timeout (SO_RCVTIMEO, SO_SNDTIMEO) reports
        internal const int ECONNRESET = 104;
        internal const int EISCONN = 106;
        internal const int ETIMEDOUT = 110;
        internal const int EALREADY = 114;
        internal const int EINPROGRESS = 115;

        /// <summary>errno of the last SetLastError call on this thread.</summary>
        internal static int GetLastErrno() => Marshal.GetLastPInvokeError();

        /// <summary>strerror text for <paramref name="errno"/>.</summary>
        internal static string StrError(int errno) => Marshal.GetPInvokeErrorMessage(errno);

        /// <summary>"operation 'path': strerror (errno)", for an IOException message.</summary>
        internal static string Describe(int errno, string operation, string? path = null) =>
            path is null ? $"{operation}: {StrError(errno)} (errno {errno})" : $"{operation} '{path}': {StrError(errno)} (errno {errno})";
    }
}
