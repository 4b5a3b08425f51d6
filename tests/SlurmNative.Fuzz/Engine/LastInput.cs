using System.IO.MemoryMappedFiles;

namespace SlurmNative.Fuzz.Engine;

/// <summary>
/// The input being run, kept in a memory-mapped file: if native code kills the process, the
/// parent finds the input that did it there. A copy into shared memory costs about as much as
/// the input's own allocation, unlike a write(2) per input.
/// </summary>
public sealed class LastInput : IDisposable
{
    private readonly MemoryMappedFile file;
    private readonly MemoryMappedViewAccessor view;

    public LastInput(string path)
    {
        file = MemoryMappedFile.CreateFromFile(path, FileMode.Create, null, Limits.MaxInputBytes + sizeof(int));
        view = file.CreateViewAccessor();
    }

    public void Record(byte[] input)
    {
        view.Write(0, -1);
        view.WriteArray(sizeof(int), input, 0, input.Length);
        view.Write(0, input.Length);
    }

    /// <summary>The input a dead process was running, or null if it had none in hand.</summary>
    public static byte[]? Read(string path)
    {
        if (!File.Exists(path))
            return null;
        byte[] bytes = File.ReadAllBytes(path);
        if (bytes.Length < sizeof(int))
            return null;
        int length = BitConverter.ToInt32(bytes, 0);
        return length < 0 || length > bytes.Length - sizeof(int) ? null : bytes.AsSpan(sizeof(int), length).ToArray();
    }

    public void Dispose()
    {
        view.Dispose();
        file.Dispose();
    }
}
