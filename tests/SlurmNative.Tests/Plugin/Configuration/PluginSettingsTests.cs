using SlurmNative.Plugin.Configuration;

namespace SlurmNative.Tests.Plugin.Configuration;

public class PluginSettingsTests
{
    [Fact]
    public void No_arguments_leave_forwarding_off()
    {
        Assert.True(PluginSettings.TryParse([], out PluginSettings settings, out string? error));
        Assert.Null(error);
        Assert.False(settings.ForwardByDefault);
    }

    [Theory]
    [InlineData("default=on", true)]
    [InlineData("default=off", false)]
    public void Default_switches_forwarding(string argument, bool expected)
    {
        Assert.True(PluginSettings.TryParse([argument], out PluginSettings settings, out _));
        Assert.Equal(expected, settings.ForwardByDefault);
    }

    [Theory]
    [InlineData("bogus=1", "unknown key 'bogus'")]
    [InlineData("default", "not of the form key=value")]
    [InlineData("=on", "not of the form key=value")]
    [InlineData("default=maybe", "'default' must be on or off")]
    [InlineData("default=", "'default' must be on or off")]
    [InlineData("DEFAULT=on", "unknown key 'DEFAULT'")]
    [InlineData("refresh_before=99999999999999d", "'refresh_before' must be a duration")]
    [InlineData("refresh_before=9223372036854775807ms", "'refresh_before' must be a duration")]
    public void A_bad_argument_is_named_with_what_to_fix(string argument, string expected)
    {
        Assert.False(PluginSettings.TryParse([argument], out _, out string? error));
        Assert.NotNull(error);
        Assert.Contains($"'{argument}'", error);
        Assert.Contains(expected, error);
        Assert.Contains("plugstack.conf", error);
    }

    [Fact]
    public void A_repeated_key_is_refused_rather_than_silently_overridden()
    {
        Assert.False(PluginSettings.TryParse(["default=on", "default=off"], out _, out string? error));
        Assert.Contains("repeats the key 'default'", error);
    }
}
