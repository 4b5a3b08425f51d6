namespace SlurmNative.Tests.TestSupport;

/// <summary>
/// A peer's bytes as a socket may hand them over: a few at a time, synchronously. The n-th read
/// (from 0) returns at most <c>sizeOfRead(n)</c> bytes.
/// </summary>
public sealed class ChunkedStream(ReadOnlyMemory<byte> data, Func<int, int> sizeOfRead) : Stream
{
    private int position;

    /// <param name="chunks">the size of each read in turn; once they are used up, the rest comes in one read.</param>
    public ChunkedStream(ReadOnlyMemory<byte> data, params int[] chunks)
        : this(data, read => read < chunks.Length ? chunks[read] : int.MaxValue)
    {
    }

    /// <summary>Every read at most <paramref name="size"/> bytes; 0 hands everything over at once.</summary>
    public static ChunkedStream InPiecesOf(ReadOnlyMemory<byte> data, int size) =>
        new(data, _ => size == 0 ? int.MaxValue : size);

    public int Reads { get; private set; }

    public int Receive(Span<byte> buffer)
    {
        int n = Math.Min(Math.Min(sizeOfRead(Reads++), buffer.Length), data.Length - position);
        data.Span.Slice(position, n).CopyTo(buffer);
        position += n;
        return n;
    }

    public override int Read(Span<byte> buffer) => Receive(buffer);

    public override int Read(byte[] buffer, int offset, int count) => Receive(buffer.AsSpan(offset, count));

    // Completing at once keeps the reader on the caller's thread, so what it allocates can be measured.
    public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) =>
        ValueTask.FromResult(Receive(buffer.Span));

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        Task.FromResult(Receive(buffer.AsSpan(offset, count)));

    public override bool CanRead => true;
    public override bool CanSeek => false;
    public override bool CanWrite => false;
    public override long Length => throw new NotSupportedException();
    public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }
    public override void Flush() { }
    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
    public override void SetLength(long value) => throw new NotSupportedException();
    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
}
