using SlurmNative.Credentials.Protocol;

namespace SlurmNative.Tests.Credentials.Protocol;

/// <summary>Protocol version 2's sealed replies (libk5crypto, aes256-cts-hmac-sha384-192): only the requester reads them.</summary>
public sealed class SealedReplyTests
{
    private const int HeaderBytes = 6;

    private static byte[] SealedBody(Reply reply, Request request) => reply.Seal(request).AsSpan(HeaderBytes).ToArray();

    [Fact]
    public void A_sealed_reply_opens_with_its_request_and_keeps_status_message_and_body()
    {
        var request = Request.Create(Operation.Get, targetUid: 1001);
        byte[] ticket = [.. Enumerable.Range(0, 1500).Select(i => (byte)i)];

        Reply opened = Reply.Open(request, SealedBody(Reply.Ok(ticket), request));

        Assert.Equal(ReplyStatus.Ok, opened.Status);
        Assert.Equal(ticket, opened.Body);
        var error = Reply.Open(request, SealedBody(Reply.Error(ReplyStatus.NotFound, "no ticket for uid 1001"), request));
        Assert.Equal((ReplyStatus.NotFound, "no ticket for uid 1001"), (error.Status, error.Message));
    }

    [Fact]
    public void The_ticket_is_not_in_the_clear_and_two_seals_differ()
    {
        var request = Request.Create(Operation.Get);
        byte[] ticket = "a very recognisable ticket body"u8.ToArray();

        byte[] first = SealedBody(Reply.Ok(ticket), request);
        byte[] second = SealedBody(Reply.Ok(ticket), request);

        Assert.Equal(-1, first.AsSpan().IndexOf(ticket));
        Assert.NotEqual(first, second); // random confounder
    }

    [Fact]
    public void Any_flipped_bit_makes_the_reply_unauthenticated()
    {
        var request = Request.Create(Operation.Get);
        byte[] body = SealedBody(Reply.Ok([1, 2, 3]), request);
        foreach (int position in new[] { 0, 15, 16, body.Length / 2, body.Length - 25, body.Length - 1 })
        {
            byte[] tampered = (byte[])body.Clone();
            tampered[position] ^= 0x01;
            var error = Assert.Throws<ProtocolException>(() => Reply.Open(request, tampered));
            Assert.Equal(ReplyStatus.Unauthenticated, error.Status);
        }
    }

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(39)]
    [InlineData(40)]
    public void A_truncated_reply_is_unauthenticated(int keep)
    {
        var request = Request.Create(Operation.Get);
        byte[] body = SealedBody(Reply.Ok([1, 2, 3]), request);

        var error = Assert.Throws<ProtocolException>(() => Reply.Open(request, body.AsSpan(0, keep)));
        Assert.Equal(ReplyStatus.Unauthenticated, error.Status);
    }

    [Fact]
    public void A_reply_sealed_with_the_right_key_for_another_request_id_is_refused()
    {
        var mine = Request.Create(Operation.Get);
        var sameKeyOtherId = mine with { RequestId = Request.Create(Operation.Get).RequestId };

        var error = Assert.Throws<ProtocolException>(() => Reply.Open(mine, SealedBody(Reply.Ok([1]), sameKeyOtherId)));
        Assert.Equal(ReplyStatus.Unauthenticated, error.Status);
    }

    [Fact]
    public void The_sealed_body_is_confounder_plus_plaintext_plus_hmac()
    {
        var request = Request.Create(Operation.Ping);
        // version, kind, id, status, message length, body length: 1 + 1 + 16 + 1 + 2 + 4.
        const int PlaintextBytes = 25;

        Assert.Equal(16 + PlaintextBytes + 24, SealedBody(Reply.Ok(), request).Length);
    }
}
