using SlurmNative.Tests.TestSupport;

namespace SlurmNative.Tests.Cli;

/// <summary>The CLI's keygen and rotate-key, as built, write to the audit trail slurmnative.conf names.</summary>
public class KeyAuditTests
{
    private static string Cli =>
        Path.Combine(Repository.Root, "src", "SlurmNative.Cli", "bin", AppContext.BaseDirectory.Contains("/Debug/", StringComparison.Ordinal) ? "Debug" : "Release", "net10.0", "slurmnative");

    [Fact]
    public void Keygen_and_rotate_key_are_audited_with_key_ids_and_never_key_bytes()
    {
        using var dir = new TempDirectory();
        string audit = dir.File("audit.log");
        string config = dir.Write("slurmnative.conf", $"""
            store = sqlite:{dir.File("credentials.db")}
            key_file = {dir.File("keys")}
            audit = file:{audit}
            """);

        Command.Run(Cli, ["--config", config, "keygen"]).EnsureSuccess("keygen");
        Command.Run(Cli, ["--config", config, "rotate-key"]).EnsureSuccess("rotate-key");

        string[] keys = File.ReadAllLines(dir.File("keys")).Where(l => l.Length > 0 && l[0] != '#').ToArray();
        Assert.Equal(2, keys.Length);
        string newest = keys[0].Split(' ')[0], first = keys[1].Split(' ')[0];
        string[] lines = File.ReadAllLines(audit).Select(l => l[(l.IndexOf("]: ", StringComparison.Ordinal) + 3)..]).ToArray();
        string uid = Interop.Libc.geteuid().ToString(System.Globalization.CultureInfo.InvariantCulture);
        Assert.Equal(
            [
                $"action=key_create outcome=ok uid={uid} file={dir.File("keys")} key_id={first}",
                $"action=key_rotation outcome=ok uid={uid} file={dir.File("keys")} key_id={newest} reencrypted=0",
            ],
            lines);
        string text = File.ReadAllText(audit);
        Assert.All(keys, k => Assert.DoesNotContain(k.Split(' ')[1], text));
    }
}
