using System.Runtime.InteropServices;
using Microsoft.Win32.SafeHandles;

namespace SlurmNative;

internal static partial class Interop
{
    internal static partial class Libc
    {
        // open(2) flags (fcntl.h) that x86-64 and aarch64 share.
        internal const int O_RDONLY = 0x0;
        internal const int O_WRONLY = 0x1;
        internal const int O_RDWR = 0x2;
        internal const int O_CREAT = 0x40;
        internal const int O_EXCL = 0x80;
        internal const int O_NOCTTY = 0x100;
        internal const int O_TRUNC = 0x200;
        internal const int O_APPEND = 0x400;
        internal const int O_NONBLOCK = 0x800;
        internal const int O_CLOEXEC = 0x80000;

        // Flags whose value depends on the architecture: each is this machine's value from
        // X64 or Arm64 (a constant once the JIT or NativeAOT knows the target).
        internal static int O_DIRECTORY => ForThisArchitecture(X64.O_DIRECTORY, Arm64.O_DIRECTORY);
        internal static int O_NOFOLLOW => ForThisArchitecture(X64.O_NOFOLLOW, Arm64.O_NOFOLLOW);

        // mode_t bits (sys/stat.h).
        internal const uint S_IFMT = 0xF000;
        internal const uint S_IFDIR = 0x4000;
        internal const uint S_IFREG = 0x8000;
        internal const uint S_IFLNK = 0xA000;
        internal const uint S_ISUID = 0x800;
        internal const uint S_ISGID = 0x400;
        internal const uint S_ISVTX = 0x200;
        internal const uint S_IRWXU = 0x1C0;
        internal const uint S_IRUSR = 0x100;
        internal const uint S_IWUSR = 0x80;
        internal const uint S_IXUSR = 0x40;
        internal const uint S_IRWXG = 0x38;
        internal const uint S_IRWXO = 0x7;

        /// <summary>open(2). Invalid handle and errno on failure. Always pass O_CLOEXEC.</summary>
        [LibraryImport(Libraries.Libc, StringMarshalling = StringMarshalling.Utf8, SetLastError = true)]
        internal static partial SafeFileHandle open(string pathname, int flags, uint mode);

        /// <summary>close(2), for descriptors no SafeFileHandle owns (a SafeFileHandle closes itself).</summary>
        [LibraryImport(Libraries.Libc, SetLastError = true)]
        internal static partial int close(int fd);

        [LibraryImport(Libraries.Libc, SetLastError = true)]
        internal static partial int fchown(SafeFileHandle fd, uint owner, uint group);

        [LibraryImport(Libraries.Libc, SetLastError = true)]
        internal static partial int fchmod(SafeFileHandle fd, uint mode);

        [LibraryImport(Libraries.Libc, SetLastError = true)]
        internal static partial int fsync(SafeFileHandle fd);

        /// <summary>rename(2): atomic replacement within one filesystem.</summary>
        [LibraryImport(Libraries.Libc, StringMarshalling = StringMarshalling.Utf8, SetLastError = true)]
        internal static partial int rename(string oldpath, string newpath);

        [LibraryImport(Libraries.Libc, StringMarshalling = StringMarshalling.Utf8, SetLastError = true)]
        internal static partial int unlink(string pathname);

        [LibraryImport(Libraries.Libc, SetLastError = true)]
        internal static unsafe partial nint write(SafeFileHandle fd, byte* buf, nuint count);

        [LibraryImport(Libraries.Libc, SetLastError = true)]
        internal static unsafe partial nint read(SafeFileHandle fd, byte* buf, nuint count);

        [LibraryImport(Libraries.Libc, SetLastError = true)]
        internal static unsafe partial nint pwrite(SafeFileHandle fd, byte* buf, nuint count, long offset);

        [LibraryImport(Libraries.Libc, SetLastError = true)]
        internal static unsafe partial nint pread(SafeFileHandle fd, byte* buf, nuint count, long offset);

        [LibraryImport(Libraries.Libc, StringMarshalling = StringMarshalling.Utf8, SetLastError = true)]
        internal static partial int mkdir(string pathname, uint mode);

        /// <summary>pread(2) into <paramref name="buffer"/> at <paramref name="offset"/>, retrying on EINTR: bytes read, 0 at end, -1 with errno.</summary>
        internal static unsafe int PRead(SafeFileHandle fd, Span<byte> buffer, long offset)
        {
            fixed (byte* start = buffer)
            {
                while (true)
                {
                    nint count = pread(fd, start, (nuint)buffer.Length, offset);
                    if (count < 0 && GetLastErrno() == EINTR)
                        continue;
                    return (int)count;
                }
            }
        }

        [LibraryImport(Libraries.Libc, SetLastError = true)]
        internal static partial int ftruncate(SafeFileHandle fd, long length);

        /// <summary>
        /// Makes the file hold exactly <paramref name="data"/>, in place: one pwrite at offset 0, then the
        /// length cut to it. 0, or -1 with errno. A reader at the same moment may see a mix of old and new
        /// bytes, so what is written this way must say where it ends.
        /// </summary>
        internal static unsafe int Overwrite(SafeFileHandle fd, ReadOnlySpan<byte> data)
        {
            fixed (byte* start = data)
            {
                int done = 0;
                while (done < data.Length)
                {
                    nint written = pwrite(fd, start + done, (nuint)(data.Length - done), done);
                    if (written < 0)
                    {
                        if (GetLastErrno() == EINTR)
                            continue;
                        return -1;
                    }
                    done += (int)written;
                }
            }
            return ftruncate(fd, data.Length);
        }

        /// <summary>Writes all of <paramref name="data"/>, retrying on EINTR and short writes. 0, or -1 with errno.</summary>
        internal static unsafe int WriteAll(SafeFileHandle fd, ReadOnlySpan<byte> data)
        {
            fixed (byte* start = data)
            {
                int done = 0;
                while (done < data.Length)
                {
                    nint written = write(fd, start + done, (nuint)(data.Length - done));
                    if (written < 0)
                    {
                        if (GetLastErrno() == EINTR)
                            continue;
                        return -1;
                    }
                    done += (int)written;
                }
                return 0;
            }
        }

        /// <summary>read(2) into <paramref name="buffer"/>, retrying on EINTR: bytes read, 0 at end, -1 with errno.</summary>
        internal static unsafe int Read(SafeFileHandle fd, Span<byte> buffer)
        {
            fixed (byte* start = buffer)
            {
                while (true)
                {
                    nint count = read(fd, start, (nuint)buffer.Length);
                    if (count < 0 && GetLastErrno() == EINTR)
                        continue;
                    return (int)count;
                }
            }
        }
    }
}
