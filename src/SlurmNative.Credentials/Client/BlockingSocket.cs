using System.Globalization;
using System.Runtime.InteropServices;
using System.Text;
using Microsoft.Win32.SafeHandles;

namespace SlurmNative.Credentials.Client;

/// <summary>
/// Blocking stream sockets through libc, for the clients inside srun and slurmstepd. System.Net.Sockets
/// would bring its epoll thread, the thread pool, telemetry and name resolution into those processes
/// (and about a tenth of the plugin's code) for one short request and reply.
/// </summary>
internal static class BlockingSocket
{
    /// <summary>
    /// The stream-socket addresses of <paramref name="host"/> (a name or a numeric address) for
    /// <paramref name="port"/>, in getaddrinfo's order. Numeric addresses are tried as such first,
    /// so a literal never reaches NSS or DNS.
    /// </summary>
    /// <exception cref="IOException">the name does not resolve; the message is gai_strerror's.</exception>
    internal static IReadOnlyList<ResolvedAddress> Resolve(string host, int port)
    {
        string service = port.ToString(CultureInfo.InvariantCulture);
        var hints = new Interop.Libc.AddrInfo
        {
            ai_flags = Interop.Libc.AI_NUMERICHOST | Interop.Libc.AI_NUMERICSERV,
            ai_family = Interop.Libc.AF_UNSPEC,
            ai_socktype = Interop.Libc.SOCK_STREAM,
        };
        int error = Interop.Libc.GetAddresses(host, service, hints, out var entries);
        if (error != 0)
        {
            hints.ai_flags = Interop.Libc.AI_NUMERICSERV;
            error = Interop.Libc.GetAddresses(host, service, hints, out entries);
        }
        if (error != 0)
        {
            string reason = error == Interop.Libc.EAI_SYSTEM
                ? Interop.Libc.StrError(Interop.Libc.GetLastErrno())
                : Interop.Libc.AddressErrorText(error);
            throw new IOException($"cannot resolve {host}: {reason}");
        }
        var addresses = new List<ResolvedAddress>(entries.Count);
        foreach ((int family, byte[] address) in entries)
        {
            if (family is Interop.Libc.AF_INET or Interop.Libc.AF_INET6)
                addresses.Add(new ResolvedAddress(family, address, FormatAddress(family, address)));
        }
        return addresses;
    }

    // sockaddr_in: family(2) port(2) addr(4); sockaddr_in6: family(2) port(2) flowinfo(4) addr(16). Only for messages.
    private static string FormatAddress(int family, byte[] address) =>
        family == Interop.Libc.AF_INET && address.Length >= 8
            ? $"{address[4]}.{address[5]}.{address[6]}.{address[7]}:{(address[2] << 8) | address[3]}"
            : address.Length >= 24 ? $"[{Convert.ToHexString(address, 8, 16)}]:{(address[2] << 8) | address[3]}" : "?";

    /// <summary>
    /// A blocking TCP connection to <paramref name="address"/>, with TCP_NODELAY, connect(2) bounded by
    /// <paramref name="timeout"/> through SO_SNDTIMEO (socket(7): a blocking connect gives up with
    /// EINPROGRESS when it expires).
    /// </summary>
    /// <exception cref="TimeoutException">the peer did not complete the connection in time.</exception>
    /// <exception cref="IOException">refused, unreachable, or the socket could not be made.</exception>
    internal static SafeFileHandle ConnectTcp(ResolvedAddress address, TimeSpan timeout)
    {
        SafeFileHandle socketHandle = NewSocket(address.Family);
        try
        {
            Interop.Libc.setsockopt(socketHandle, Interop.Libc.IPPROTO_TCP, Interop.Libc.TCP_NODELAY, 1, sizeof(int));
            SetTimeout(socketHandle, Interop.Libc.SO_SNDTIMEO, timeout);
            Connect(socketHandle, address.SocketAddress, address.Text);
            return socketHandle;
        }
        catch
        {
            socketHandle.Dispose();
            throw;
        }
    }

    /// <summary>A blocking connection to the Unix stream socket at <paramref name="path"/>.</summary>
    internal static SafeFileHandle ConnectUnix(string path, TimeSpan timeout)
    {
        (int pathOffset, int pathCapacity) = Interop.Libc.UnixAddressLayout();
        int length = Encoding.UTF8.GetByteCount(path);
        if (length >= pathCapacity)
            throw new IOException($"unix socket path {path} is longer than {pathCapacity - 1} bytes");
        // sun_family, then the path and its terminating NUL: the length connect(2) is given.
        byte[] address = new byte[pathOffset + length + 1];
        MemoryMarshal.Write(address, (ushort)Interop.Libc.AF_UNIX);
        Encoding.UTF8.GetBytes(path, address.AsSpan(pathOffset));
        SafeFileHandle socketHandle = NewSocket(Interop.Libc.AF_UNIX);
        try
        {
            SetTimeout(socketHandle, Interop.Libc.SO_SNDTIMEO, timeout);
            Connect(socketHandle, address, path);
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
        SafeFileHandle socketHandle = Interop.Libc.socket(family, Interop.Libc.SOCK_STREAM | Interop.Libc.SOCK_CLOEXEC, 0);
        if (socketHandle.IsInvalid)
        {
            int errno = Interop.Libc.GetLastErrno();
            socketHandle.Dispose();
            throw new IOException(Interop.Libc.Describe(errno, "socket"));
        }
        return socketHandle;
    }

    private static void Connect(SafeFileHandle socketHandle, byte[] address, string peer)
    {
        bool interrupted = false;
        while (Interop.Libc.connect(socketHandle, address, (uint)address.Length) != 0)
        {
            int errno = Interop.Libc.GetLastErrno();
            // After EINTR the connection goes on in the background: asking again says EISCONN once it is
            // up, or EALREADY while it is not, which a blocking caller cannot wait on; that counts as failed.
            if (errno == Interop.Libc.EINTR)
            {
                interrupted = true;
                continue;
            }
            if (interrupted && errno == Interop.Libc.EISCONN)
                return;
            if (errno is Interop.Libc.EINPROGRESS or Interop.Libc.EWOULDBLOCK or Interop.Libc.ETIMEDOUT)
                throw new TimeoutException();
            throw new IOException($"connect to {peer}: {Interop.Libc.StrError(errno)}");
        }
    }

    /// <summary>SO_SNDTIMEO or SO_RCVTIMEO: how long one blocking send or receive may wait (at least 1 ms).</summary>
    internal static void SetTimeout(SafeFileHandle socketHandle, int option, TimeSpan timeout)
    {
        long microseconds = Math.Max(1000, (long)(timeout.TotalMilliseconds * 1000));
        var value = new Interop.Libc.TimeVal { tv_sec = microseconds / 1_000_000, tv_usec = microseconds % 1_000_000 };
        if (Interop.Libc.SetTimeOption(socketHandle, Interop.Libc.SOL_SOCKET, option, value) != 0)
            throw new IOException(Interop.Libc.Describe(Interop.Libc.GetLastErrno(), "setsockopt"));
    }

    /// <summary>Sends all of <paramref name="data"/> (MSG_NOSIGNAL: a closed peer is an error, not SIGPIPE).</summary>
    /// <exception cref="TimeoutException">SO_SNDTIMEO expired.</exception>
    internal static void SendAll(SafeFileHandle socketHandle, ReadOnlySpan<byte> data)
    {
        int done = 0;
        while (done < data.Length)
        {
            ReadOnlySpan<byte> rest = data[done..];
            long sent = Interop.Libc.Send(socketHandle, rest, Interop.Libc.MSG_NOSIGNAL);
            if (sent < 0)
            {
                RetryOrThrow(Interop.Libc.GetLastErrno(), "send");
                continue;
            }
            done += (int)sent;
        }
    }

    /// <summary>One recv(2): bytes received, 0 when the peer closed.</summary>
    /// <exception cref="TimeoutException">SO_RCVTIMEO expired.</exception>
    /// <exception cref="IOException">any other failure; its HResult is the errno.</exception>
    internal static int Receive(SafeFileHandle socketHandle, Span<byte> buffer)
    {
        while (true)
        {
            long count = Interop.Libc.Receive(socketHandle, buffer, 0);
            if (count >= 0)
                return (int)count;
            RetryOrThrow(Interop.Libc.GetLastErrno(), "recv");
        }
    }

    /// <summary>Returns when a failed send or recv should be tried again (EINTR); otherwise throws what it means.</summary>
    private static void RetryOrThrow(int errno, string operation)
    {
        if (errno == Interop.Libc.EINTR)
            return;
        if (errno == Interop.Libc.EWOULDBLOCK)
            throw new TimeoutException();
        throw new IOException(Interop.Libc.Describe(errno, operation), errno);
    }
}
