namespace SlurmNative.Credentials;

/// <summary>
/// Random bytes and numbers from the kernel (getrandom(2)). RandomNumberGenerator would do
/// the same job through OpenSSL, which inside srun and slurmstepd costs milliseconds to load
/// and initialise and megabytes of mapped libraries for a request id and a key.
/// </summary>
public static class KernelRandom
{
    public static byte[] Bytes(int count)
    {
        var bytes = new byte[count];
        Interop.Libc.FillRandom(bytes);
        return bytes;
    }

    public static void Fill(Span<byte> buffer) => Interop.Libc.FillRandom(buffer);

    /// <summary>Uniform in [0, <paramref name="exclusiveMax"/>): draws above the largest multiple are rejected, so there is no modulo bias.</summary>
    public static int Below(int exclusiveMax)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(exclusiveMax);
        uint limit = uint.MaxValue - (uint.MaxValue % (uint)exclusiveMax);
        Span<byte> draw = stackalloc byte[sizeof(uint)];
        while (true)
        {
            Interop.Libc.FillRandom(draw);
            uint value = BitConverter.ToUInt32(draw);
            if (value < limit)
                return (int)(value % (uint)exclusiveMax);
        }
    }
}
