using SlurmNative.Credentials.Protocol;
using SlurmNative.Tests.TestSupport;

namespace SlurmNative.Tests.Credentials.Protocol;

/// <summary>
/// The one-frame reads (async for the daemon, blocking for the client): whole frames however
/// the bytes arrive, and the same limits as the plain read. Every case runs both.
/// </summary>
public class FrameTests
{
    private static async Task<(FrameKind Kind, byte[] Body)?> Read(Stream stream, bool blocking) =>
        blocking ? Frame.Read(buffer => stream.Read(buffer.Span)) : await Frame.ReadSingleAsync(stream, CancellationToken.None);

    private static byte[] Body(int length) => Enumerable.Range(0, length).Select(i => (byte)(i * 7)).ToArray();

    [Theory]
    [InlineData(0, false)]
    [InlineData(1, false)]
    [InlineData(300, false)]
    [InlineData(4090, false)]
    [InlineData(4091, false)]
    [InlineData(100_000, false)]
    [InlineData(0, true)]
    [InlineData(300, true)]
    [InlineData(4090, true)]
    [InlineData(4091, true)]
    [InlineData(100_000, true)]
    public async Task A_frame_that_arrives_at_once_is_read_whole_in_as_few_reads_as_its_size_allows(int length, bool blocking)
    {
        byte[] body = Body(length);
        var stream = new ChunkedStream(Frame.Encode(FrameKind.Request, body));

        var frame = await Read(stream, blocking);

        Assert.Equal(FrameKind.Request, frame!.Value.Kind);
        Assert.Equal(body, frame.Value.Body);
        // Header and body up to the first buffer's size come in one read.
        Assert.Equal(length <= 4090 ? 1 : 2, stream.Reads);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task A_frame_that_trickles_in_byte_by_byte_is_read_whole(bool blocking)
    {
        byte[] body = Body(50);
        byte[] bytes = Frame.Encode(FrameKind.SealedReply, body);
        var stream = new ChunkedStream(bytes, Enumerable.Repeat(1, bytes.Length).ToArray());

        var frame = await Read(stream, blocking);

        Assert.Equal(FrameKind.SealedReply, frame!.Value.Kind);
        Assert.Equal(body, frame.Value.Body);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Bytes_after_the_frame_are_not_taken_into_it(bool blocking)
    {
        byte[] body = Body(20);
        var stream = new ChunkedStream((byte[])[.. Frame.Encode(FrameKind.Request, body), 0xde, 0xad, 0xbe, 0xef]);

        var frame = await Read(stream, blocking);

        Assert.Equal(body, frame!.Value.Body);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task A_peer_that_closes_before_sending_anything_gives_null(bool blocking)
    {
        Assert.Null(await Read(new ChunkedStream(ReadOnlyMemory<byte>.Empty), blocking));
    }

    [Theory]
    [InlineData(3, false)]
    [InlineData(10, false)]
    [InlineData(3, true)]
    [InlineData(10, true)]
    public async Task A_peer_that_closes_in_the_middle_gets_a_clear_error(int sent, bool blocking)
    {
        byte[] bytes = Frame.Encode(FrameKind.Request, Body(100))[..sent];

        var error = await Assert.ThrowsAsync<ProtocolException>(() => Read(new ChunkedStream(bytes), blocking));

        Assert.Equal(ReplyStatus.BadRequest, error.Status);
        Assert.Contains("closed in the middle", error.Message);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task An_oversized_length_is_refused_from_the_header(bool blocking)
    {
        byte[] header = [0x7f, 0xff, 0xff, 0xff, Frame.Version, (byte)FrameKind.Request];

        var error = await Assert.ThrowsAsync<ProtocolException>(() => Read(new ChunkedStream(header), blocking));

        Assert.Equal(ReplyStatus.TooLarge, error.Status);
    }
}
