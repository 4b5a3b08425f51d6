using System.Runtime.InteropServices;
using Microsoft.Win32.SafeHandles;

namespace SlurmNative;

internal static partial class Interop
{
    /// <summary>Stream sockets, for the blocking client in SlurmNative.Credentials (Client/BlockingSocket.cs).</summary>
    internal static partial class Libc
    {
        // sys/socket.h, netinet/in.h, netinet/tcp.h, netdb.h (errno values: Interop.Libc.Errors.cs).
        internal const int AF_UNSPEC = 0;
        internal const int AF_UNIX = 1;
        internal const int AF_INET = 2;
        internal const int AF_INET6 = 10;
        internal const int SOCK_STREAM = 1;
        internal const int SOCK_CLOEXEC = 0x80000;
        internal const int SOL_SOCKET = 1;
        internal const int SO_RCVTIMEO = 20;
        internal const int SO_SNDTIMEO = 21;
        internal const int IPPROTO_TCP = 6;
        internal const int TCP_NODELAY = 1;
        internal const int MSG_NOSIGNAL = 0x4000;
        internal const int AI_NUMERICHOST = 0x4;
        internal const int AI_NUMERICSERV = 0x400;
        internal const int EAI_SYSTEM = -11;

        [NativeStruct("struct addrinfo")]
        [StructLayout(LayoutKind.Sequential)]
        internal struct AddrInfo
        {
            internal int ai_flags;
            internal int ai_family;
            internal int ai_socktype;
            internal int ai_protocol;
            internal uint ai_addrlen;       // socklen_t
            internal nint ai_addr;          // struct sockaddr *
            internal nint ai_canonname;
            internal nint ai_next;
        }

        [NativeStruct("struct timeval")]
        [StructLayout(LayoutKind.Sequential)]
        internal struct TimeVal
        {
            internal long tv_sec;
            internal long tv_usec;
        }

        [NativeStruct("struct sockaddr_un")]
        [StructLayout(LayoutKind.Sequential)]
        internal unsafe struct SockAddrUn
        {
            internal ushort sun_family;     // sa_family_t
            internal fixed byte sun_path[108];
        }

        [LibraryImport(Libraries.Libc, SetLastError = true)]
        internal static partial SafeFileHandle socket(int domain, int type, int protocol);

        [LibraryImport(Libraries.Libc, SetLastError = true)]
        internal static partial int connect(SafeFileHandle sockfd, ReadOnlySpan<byte> addr, uint addrlen);

        [LibraryImport(Libraries.Libc, SetLastError = true)]
        internal static partial int setsockopt(SafeFileHandle sockfd, int level, int optname, in int optval, uint optlen);

        [LibraryImport(Libraries.Libc, SetLastError = true)]
        internal static partial int setsockopt(SafeFileHandle sockfd, int level, int optname, in TimeVal optval, uint optlen);

        [LibraryImport(Libraries.Libc, SetLastError = true)]
        internal static partial nint send(SafeFileHandle sockfd, ReadOnlySpan<byte> buf, nuint len, int flags);

        [LibraryImport(Libraries.Libc, SetLastError = true)]
        internal static partial nint recv(SafeFileHandle sockfd, Span<byte> buf, nuint len, int flags);

        /// <summary>Returns 0 or an EAI_* code (EAI_SYSTEM: see errno); free the list with freeaddrinfo.</summary>
        [LibraryImport(Libraries.Libc, StringMarshalling = StringMarshalling.Utf8, SetLastError = true)]
        internal static partial int getaddrinfo(string node, string service, in AddrInfo hints, out nint res);

        [LibraryImport(Libraries.Libc)]
        internal static partial void freeaddrinfo(nint res);

        [LibraryImport(Libraries.Libc)]
        internal static partial nint gai_strerror(int errcode);
    }
}
