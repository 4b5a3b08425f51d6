using System.Runtime.InteropServices;
using System.Text;
using Microsoft.Win32.SafeHandles;

namespace SlurmNative;

/// <summary>A socket address getaddrinfo resolved, copied out of libc's list: family, raw sockaddr bytes, and how to print it.</summary>
internal sealed record ResolvedAddress(int Family, byte[] SocketAddress, string Text);

internal static partial class Interop
{
    /// <summary>
    /// Blocking stream sockets through libc, for the clients inside srun and slurmstepd. System.Net.Sockets
    /// would bring its epoll thread, the thread pool, telemetry and name resolution into those processes
    /// (and about a tenth of the plugin's code) for one short request and reply.
    /// </summary>
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
        internal static unsafe partial int connect(SafeFileHandle sockfd, byte* addr, uint addrlen);

        [LibraryImport(Libraries.Libc, SetLastError = true)]
        internal static unsafe partial int setsockopt(SafeFileHandle sockfd, int level, int optname, void* optval, uint optlen);

        [LibraryImport(Libraries.Libc, SetLastError = true)]
        internal static unsafe partial nint send(SafeFileHandle sockfd, byte* buf, nuint len, int flags);

        [LibraryImport(Libraries.Libc, SetLastError = true)]
        internal static unsafe partial nint recv(SafeFileHandle sockfd, byte* buf, nuint len, int flags);

        /// <summary>Returns 0 or an EAI_* code (EAI_SYSTEM: see errno); free the list with freeaddrinfo.</summary>
        [LibraryImport(Libraries.Libc, StringMarshalling = StringMarshalling.Utf8, SetLastError = true)]
        internal static partial int getaddrinfo(string node, string service, in AddrInfo hints, out nint res);

        [LibraryImport(Libraries.Libc)]
        internal static partial void freeaddrinfo(nint res);

        [LibraryImport(Libraries.Libc)]
        internal static partial nint gai_strerror(int errcode);

        /// <summary>
        /// The stream-socket addresses of <paramref name="host"/> (a name or a numeric address) for
        /// <paramref name="port"/>, in getaddrinfo's order. Numeric addresses are tried as such first,
        /// so a literal never reaches NSS or DNS.
        /// </summary>
        /// <exception cref="IOException">the name does not resolve; the message is gai_strerror's.</exception>
        internal static unsafe IReadOnlyList<ResolvedAddress> Resolve(string host, int port)
        {
            string service = port.ToString(System.Globalization.CultureInfo.InvariantCulture);
            var hints = new AddrInfo { ai_flags = AI_NUMERICHOST | AI_NUMERICSERV, ai_family = AF_UNSPEC, ai_socktype = SOCK_STREAM };
            int error = getaddrinfo(host, service, hints, out nint list);
            if (error != 0)
            {
                hints.ai_flags = AI_NUMERICSERV;
                error = getaddrinfo(host, service, hints, out list);
            }
            if (error != 0)
            {
                string reason = error == EAI_SYSTEM ? StrError(GetLastErrno()) : Marshal.PtrToStringUTF8(gai_strerror(error)) ?? $"error {error}";
                throw new IOException($"cannot resolve {host}: {reason}");
            }
            try
            {
                var addresses = new List<ResolvedAddress>();
                for (nint entry = list; entry != 0; entry = ((AddrInfo*)entry)->ai_next)
                {
                    AddrInfo* info = (AddrInfo*)entry;
                    if (info->ai_family is AF_INET or AF_INET6 && info->ai_addr != 0)
                    {
                        byte[] address = new ReadOnlySpan<byte>((void*)info->ai_addr, checked((int)info->ai_addrlen)).ToArray();
                        addresses.Add(new ResolvedAddress(info->ai_family, address, FormatAddress(info->ai_family, address)));
                    }
                }
                return addresses;
            }
            finally
            {
                freeaddrinfo(list);
            }
        }

        // sockaddr_in: family(2) port(2) addr(4); sockaddr_in6: family(2) port(2) flowinfo(4) addr(16). Only for messages.
        private static string FormatAddress(int family, byte[] address) =>
            family == AF_INET && address.Length >= 8
                ? $"{address[4]}.{address[5]}.{address[6]}.{address[7]}:{(address[2] << 8) | address[3]}"
                : address.Length >= 24 ? $"[{Convert.ToHexString(address, 8, 16)}]:{(address[2] << 8) | address[3]}" : "?";

        /// <summary>
        /// A blocking TCP connection to <paramref name="address"/>, with TCP_NODELAY, connect(2) bounded by
        /// <paramref name="timeout"/> through SO_SNDTIMEO (socket(7): a blocking connect gives up with
        /// EINPROGRESS when it expires).
        /// </summary>
        /// <exception cref="TimeoutException">the peer did not complete the connection in time.</exception>
        /// <exception cref="IOException">refused, unreachable, or the socket could not be made.</exception>
        internal static unsafe SafeFileHandle ConnectTcp(ResolvedAddress address, TimeSpan timeout)
        {
            SafeFileHandle socketHandle = NewSocket(address.Family);
            try
            {
                int one = 1;
                setsockopt(socketHandle, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(int));
                SetTimeout(socketHandle, SO_SNDTIMEO, timeout);
                fixed (byte* raw = address.SocketAddress)
                    Connect(socketHandle, raw, (uint)address.SocketAddress.Length, address.Text);
                return socketHandle;
            }
            catch
            {
                socketHandle.Dispose();
                throw;
            }
        }

        /// <summary>A blocking connection to the Unix stream socket at <paramref name="path"/>.</summary>
        internal static unsafe SafeFileHandle ConnectUnix(string path, TimeSpan timeout)
        {
            var address = new SockAddrUn { sun_family = AF_UNIX };
            int length = Encoding.UTF8.GetByteCount(path);
            if (length >= 108)
                throw new IOException($"unix socket path {path} is longer than 107 bytes");
            Encoding.UTF8.GetBytes(path, new Span<byte>(address.sun_path, 107));
            SafeFileHandle socketHandle = NewSocket(AF_UNIX);
            try
            {
                SetTimeout(socketHandle, SO_SNDTIMEO, timeout);
                Connect(socketHandle, (byte*)&address, (uint)(sizeof(ushort) + length + 1), path);
                return socketHandle;
            }
            catch
            {
                socketHandle.Dispose();
                throw;
            }
        }

        private static SafeFileHandle NewSocket(int family)
        {
            SafeFileHandle socketHandle = socket(family, SOCK_STREAM | SOCK_CLOEXEC, 0);
            if (socketHandle.IsInvalid)
            {
                int errno = GetLastErrno();
                socketHandle.Dispose();
                throw new IOException(Describe(errno, "socket"));
            }
            return socketHandle;
        }

        private static unsafe void Connect(SafeFileHandle socketHandle, byte* address, uint length, string peer)
        {
            bool interrupted = false;
            while (connect(socketHandle, address, length) != 0)
            {
                int errno = GetLastErrno();
                // After EINTR the connection goes on in the background: asking again says EISCONN once it is
                // up, or EALREADY while it is not, which a blocking caller cannot wait on; that counts as failed.
                if (errno == EINTR)
                {
                    interrupted = true;
                    continue;
                }
                if (interrupted && errno == EISCONN)
                    return;
                if (errno is EINPROGRESS or EWOULDBLOCK or ETIMEDOUT)
                    throw new TimeoutException();
                throw new IOException($"connect to {peer}: {StrError(errno)}");
            }
        }

        /// <summary>SO_SNDTIMEO or SO_RCVTIMEO: how long one blocking send or receive may wait (at least 1 ms).</summary>
        internal static unsafe void SetTimeout(SafeFileHandle socketHandle, int option, TimeSpan timeout)
        {
            long microseconds = Math.Max(1000, (long)(timeout.TotalMilliseconds * 1000));
            var value = new TimeVal { tv_sec = microseconds / 1_000_000, tv_usec = microseconds % 1_000_000 };
            if (setsockopt(socketHandle, SOL_SOCKET, option, &value, (uint)sizeof(TimeVal)) != 0)
                throw new IOException(Describe(GetLastErrno(), "setsockopt"));
        }

        /// <summary>Sends all of <paramref name="data"/> (MSG_NOSIGNAL: a closed peer is an error, not SIGPIPE).</summary>
        /// <exception cref="TimeoutException">SO_SNDTIMEO expired.</exception>
        internal static unsafe void SendAll(SafeFileHandle socketHandle, ReadOnlySpan<byte> data)
        {
            fixed (byte* start = data)
            {
                int done = 0;
                while (done < data.Length)
                {
                    nint sent = send(socketHandle, start + done, (nuint)(data.Length - done), MSG_NOSIGNAL);
                    if (sent < 0)
                    {
                        int errno = GetLastErrno();
                        if (errno == EINTR)
                            continue;
                        if (errno == EWOULDBLOCK)
                            throw new TimeoutException();
                        throw new IOException(Describe(errno, "send"), errno);
                    }
                    done += (int)sent;
                }
            }
        }

        /// <summary>One recv(2): bytes received, 0 when the peer closed.</summary>
        /// <exception cref="TimeoutException">SO_RCVTIMEO expired.</exception>
        /// <exception cref="IOException">any other failure; its HResult is the errno.</exception>
        internal static unsafe int Receive(SafeFileHandle socketHandle, Span<byte> buffer)
        {
            fixed (byte* start = buffer)
            {
                while (true)
                {
                    nint count = recv(socketHandle, start, (nuint)buffer.Length, 0);
                    if (count >= 0)
                        return (int)count;
                    int errno = GetLastErrno();
                    if (errno == EINTR)
                        continue;
                    if (errno == EWOULDBLOCK)
                        throw new TimeoutException();
                    throw new IOException(Describe(errno, "recv"), errno);
                }
            }
        }
    }
}
