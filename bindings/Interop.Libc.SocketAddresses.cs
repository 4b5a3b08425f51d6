using System.Runtime.InteropServices;
using Microsoft.Win32.SafeHandles;

namespace SlurmNative;

internal static partial class Interop
{
    internal static partial class Libc
    {
        // The pointer-level parts of the blocking client's sockets, so that the client itself sees
        // only managed values: which entries to keep, which flags to try and what an error means
        // are decided in SlurmNative.Credentials (Client/BlockingSocket.cs).

        /// <summary>
        /// One getaddrinfo(3) call: every entry that carries an address, as its family and a copy of its
        /// sockaddr bytes, in libc's order; the list is freed before returning.
        /// </summary>
        /// <returns>0, or the EAI_* code (EAI_SYSTEM: see errno).</returns>
        internal static int GetAddresses(string node, string service, in AddrInfo hints, out List<(int Family, byte[] SocketAddress)> addresses)
        {
            addresses = [];
            int error = getaddrinfo(node, service, hints, out nint list);
            if (error != 0)
                return error;
            try
            {
                byte[] entryBytes = new byte[Marshal.SizeOf<AddrInfo>()];
                for (nint entry = list; entry != 0;)
                {
                    Marshal.Copy(entry, entryBytes, 0, entryBytes.Length);
                    var info = MemoryMarshal.Read<AddrInfo>(entryBytes);
                    if (info.ai_addr != 0 && info.ai_addrlen > 0)
                    {
                        byte[] address = new byte[checked((int)info.ai_addrlen)];
                        Marshal.Copy(info.ai_addr, address, 0, address.Length);
                        addresses.Add((info.ai_family, address));
                    }
                    entry = info.ai_next;
                }
            }
            finally
            {
                freeaddrinfo(list);
            }
            return 0;
        }

        /// <summary>gai_strerror(3) as a string.</summary>
        internal static string AddressErrorText(int error) => Marshal.PtrToStringUTF8(gai_strerror(error)) ?? $"error {error}";

        /// <summary>Where sun_path starts in a sockaddr_un, and how many bytes it holds (its NUL included).</summary>
        internal static (int PathOffset, int PathCapacity) UnixAddressLayout()
        {
            int offset = checked((int)Marshal.OffsetOf<SockAddrUn>(nameof(SockAddrUn.sun_path)));
            return (offset, Marshal.SizeOf<SockAddrUn>() - offset);
        }

        /// <summary>setsockopt(2) with a struct timeval (SO_RCVTIMEO, SO_SNDTIMEO).</summary>
        internal static int SetTimeOption(SafeFileHandle sockfd, int level, int optname, in TimeVal value) =>
            setsockopt(sockfd, level, optname, value, (uint)Marshal.SizeOf<TimeVal>());

        /// <summary>send(2): bytes sent, or -1 (see errno).</summary>
        internal static long Send(SafeFileHandle sockfd, ReadOnlySpan<byte> data, int flags) => send(sockfd, data, (nuint)data.Length, flags);

        /// <summary>recv(2): bytes received, 0 when the peer closed, or -1 (see errno).</summary>
        internal static long Receive(SafeFileHandle sockfd, Span<byte> buffer, int flags) => recv(sockfd, buffer, (nuint)buffer.Length, flags);
    }
}
