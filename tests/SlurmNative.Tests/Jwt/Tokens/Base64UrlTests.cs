using SlurmNative.Jwt.Tokens;

namespace SlurmNative.Tests.Jwt.Tokens;

public class Base64UrlTests
{
    [Theory]
    [InlineData(new byte[0], "")]
    [InlineData(new byte[] { 0xfb }, "-w")]
    [InlineData(new byte[] { 0xff, 0xff }, "__8")]
    [InlineData(new byte[] { 1, 0, 1 }, "AQAB")]
    public void Encodes_without_padding_in_the_url_alphabet(byte[] data, string expected)
    {
        Assert.Equal(expected, Base64Url.Encode(data));
        Assert.True(Base64Url.TryDecode(expected, out byte[] back));
        Assert.Equal(data, back);
    }

    [Theory]
    [InlineData("AQAB=")]          // padding
    [InlineData("-w==")]
    [InlineData("+w")]             // standard alphabet
    [InlineData("AQ AB")]          // whitespace
    [InlineData("A")]              // impossible length
    [InlineData("-x")]             // non-zero trailing bits: a second spelling of "-w"
    public void Strict_decoding_refuses_anything_but_the_canonical_form(string text)
    {
        Assert.False(Base64Url.TryDecode(text, out _));
    }

    [Theory]
    [InlineData("+/8=", new byte[] { 0xfb, 0xff })]
    [InlineData("-_8", new byte[] { 0xfb, 0xff })]
    [InlineData("-_8=", new byte[] { 0xfb, 0xff })]
    public void Lenient_decoding_takes_base64_and_base64url(string text, byte[] expected)
    {
        Assert.True(Base64Url.TryDecodeLenient(text, out byte[] data));
        Assert.Equal(expected, data);
    }

    [Theory]
    [InlineData("a*b=")]
    [InlineData("A")]
    public void Lenient_decoding_still_refuses_garbage(string text)
    {
        Assert.False(Base64Url.TryDecodeLenient(text, out _));
    }
}
