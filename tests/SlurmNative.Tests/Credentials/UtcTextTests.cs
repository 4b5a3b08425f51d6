using System.Globalization;
using SlurmNative.Credentials;

namespace SlurmNative.Tests.Credentials;

public sealed class UtcTextTests
{
    [Theory]
    [InlineData(0L)]
    [InlineData(1_800_036_000L)]
    [InlineData(4_294_967_295L)]
    public void Prints_what_the_u_and_iso_formats_print(long seconds)
    {
        var time = DateTimeOffset.FromUnixTimeSeconds(seconds).ToOffset(TimeSpan.FromHours(2));

        Assert.Equal(time.ToString("u", CultureInfo.InvariantCulture), UtcText.Readable(time));
        Assert.Equal(time.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture), UtcText.Iso(time));
    }
}
