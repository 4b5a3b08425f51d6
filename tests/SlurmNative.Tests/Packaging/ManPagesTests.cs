using SlurmNative.Tests.TestSupport;

namespace SlurmNative.Tests.Packaging;

/// <summary>The manual pages the packages install render cleanly with the system's man and groff.</summary>
public sealed class ManPagesTests
{
    private static readonly string Directory = Path.Combine(Repository.Root, "doc", "man");

    public static TheoryData<string> Pages() =>
    [
        "slurmnative.1", "slurmnatived.8", "slurmnative-gateway.8",
        "slurmnative.conf.5", "slurmnative-acl.conf.5", "slurmnative-plugin.8",
    ];

    [Theory]
    [MemberData(nameof(Pages))]
    public void Page_renders_without_warnings(string page)
    {
        string path = Path.Combine(Directory, page);
        Assert.True(File.Exists(path), $"{path} is missing");
        // --warnings turns on groff's own checks (bad escapes, unknown macros, lines it cannot fit).
        CommandResult man = Command.Run("/usr/bin/env", ["LC_ALL=C.UTF-8", "MANWIDTH=80", "MAN_KEEP_FORMATTING=0", "man", "--warnings", "-l", path]);
        Assert.Equal(0, man.ExitCode);
        Assert.Equal("", man.Stderr);
        // Bold and underline come as overstrikes (X backspace X) when the output is not a terminal.
        string text = System.Text.RegularExpressions.Regex.Replace(man.Stdout, ".\b", "");
        Assert.Contains("NAME", text, StringComparison.Ordinal);
        Assert.Contains("SEE ALSO", text, StringComparison.Ordinal);
        string name = page[..page.LastIndexOf('.')];
        Assert.Contains(name, text, StringComparison.Ordinal);
    }

    [Fact]
    public void Every_page_is_one_the_tests_render()
    {
        string[] present = [.. System.IO.Directory.GetFiles(Directory).Select(Path.GetFileName).OfType<string>().Order(StringComparer.Ordinal)];
        Assert.Equal(Pages().Cast<object[]>().Select(row => (string)row[0]).Order(StringComparer.Ordinal), present);
    }
}
