using System.Runtime.InteropServices;

namespace SlurmNative;

internal static partial class Interop
{
    internal static partial class Libc
    {
        /// <summary>
        /// getrandom(2) (sys/random.h), flags 0: the kernel's CSPRNG, blocking only until it is
        /// first seeded at boot. Short counts happen for requests over 256 bytes or on a signal.
        /// </summary>
        [LibraryImport(Libraries.Libc, SetLastError = true)]
        internal static unsafe partial nint getrandom(byte* buf, nuint buflen, uint flags);

        /// <summary>
        /// Fills <paramref name="buffer"/> from the kernel's CSPRNG. Used instead of .NET's
        /// RandomNumberGenerator, which on Linux loads and initialises OpenSSL (about 3.7 MB of
        /// libcrypto and libssl, and milliseconds) inside srun and slurmstepd for a few bytes.
        /// </summary>
        /// <exception cref="InvalidOperationException">getrandom failed (ENOSYS on kernels older than 3.17).</exception>
        internal static unsafe void FillRandom(Span<byte> buffer)
        {
            fixed (byte* start = buffer)
            {
                int done = 0;
                while (done < buffer.Length)
                {
                    nint count = getrandom(start + done, (nuint)(buffer.Length - done), 0);
                    if (count < 0)
                    {
                        int errno = GetLastErrno();
                        if (errno == EINTR)
                            continue;
                        throw new InvalidOperationException(Describe(errno, "getrandom"));
                    }
                    done += (int)count;
                }
            }
        }
    }
}
