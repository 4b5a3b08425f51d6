using SlurmNative.Credentials.Protocol;

namespace SlurmNative.Tests.Credentials.Protocol;

/// <summary>The body of a list reply: what the daemon encodes the CLI decodes, and a malformed one is a ProtocolException.</summary>
public class CredentialListTests
{
    private static readonly CredentialSummary Alice = new(1001, "alice@EXAMPLE.ORG",
        DateTimeOffset.FromUnixTimeSeconds(1_800_000_000), DateTimeOffset.FromUnixTimeSeconds(1_800_036_000), DateTimeOffset.FromUnixTimeSeconds(1_800_600_000), 0x40e10000);

    [Fact]
    public void A_list_decodes_to_what_was_encoded()
    {
        Assert.Equal([Alice, Alice with { Uid = 1002, Principal = "bob@EXAMPLE.ORG" }],
            CredentialSummary.DecodeList(CredentialSummary.EncodeList([Alice, Alice with { Uid = 1002, Principal = "bob@EXAMPLE.ORG" }])));
    }

    [Theory]
    [InlineData(253_402_300_800L)] // one second after DateTimeOffset.MaxValue
    [InlineData(-62_135_596_801L)] // one second before DateTimeOffset.MinValue
    [InlineData(long.MaxValue)]
    public void A_time_no_date_can_hold_is_a_protocol_error(long seconds)
    {
        byte[] body = CredentialSummary.EncodeList([Alice]);
        // The end time: after count, uid, principal and start.
        int end = 4 + 4 + 2 + Alice.Principal.Length + 8;
        System.Buffers.Binary.BinaryPrimitives.WriteInt64BigEndian(body.AsSpan(end), seconds);

        var error = Assert.Throws<ProtocolException>(() => CredentialSummary.DecodeList(body));
        Assert.Contains("out of range", error.Message);
    }
}
