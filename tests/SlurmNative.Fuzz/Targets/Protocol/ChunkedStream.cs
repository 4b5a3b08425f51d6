namespace SlurmNative.Fuzz.Targets.Protocol;

/// <summary>A peer's bytes as a socket hands them over: a few at a time (chunk 0 means all at once), synchronously.</summary>
internal sealed class ChunkedStream(ReadOnlyMemory<byte> data, int chunk) : Stream
{
    private int position;

    public int Receive(Span<byte> buffer)
    {
        int n = Math.Min(Math.Min(chunk == 0 ? int.MaxValue : chunk, buffer.Length), data.Length - position);
        data.Span.Slice(position, n).CopyTo(buffer);
        position += n;
        return n;
    }

    public override int Read(Span<byte> buffer) => Receive(buffer);

    public override int Read(byte[] buffer, int offset, int count) => Receive(buffer.AsSpan(offset, count));

    // Completing at once keeps the reader on this thread, so its allocations are measured.
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
