namespace SlurmNative.Plugin.Configuration;

/// <summary>
/// The site's settings, from the arguments after the plugin's path in plugstack.conf
/// (<c>optional /usr/lib/slurmnative/slurmnative.so default=on</c>).
/// </summary>
/// <param name="ForwardByDefault">
/// <c>default=on|off</c>: whether a job that does not say <c>--krb5</c> gets its
/// ticket forwarded. Off unless the site turns it on.
/// </param>
internal sealed record PluginSettings(bool ForwardByDefault)
{
    public static readonly PluginSettings Defaults = new(ForwardByDefault: false);

    private delegate PluginSettings Apply(PluginSettings settings, string value);

    private sealed record Key(string Name, string Accepted, Func<string, bool> IsValid, Apply Set);

    private static readonly Key[] Keys =
    [
        new("default", "on or off", v => v is "on" or "off", (s, v) => s with { ForwardByDefault = v == "on" }),
    ];

    /// <summary>
    /// Parses every argument; the first bad one is reported by name together with
    /// what would be accepted, so the admin can fix the line without reading code.
    /// </summary>
    public static bool TryParse(IReadOnlyList<string> arguments, out PluginSettings settings, out string? error)
    {
        settings = Defaults;
        error = null;
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (string argument in arguments)
        {
            int equals = argument.IndexOf('=');
            if (equals <= 0)
            {
                error = $"plugstack.conf argument '{argument}' is not of the form key=value (known keys: {KnownKeys}); fix the slurmnative line in plugstack.conf";
                return false;
            }
            string name = argument[..equals];
            string value = argument[(equals + 1)..];
            Key? key = Array.Find(Keys, k => k.Name == name);
            if (key is null)
            {
                error = $"plugstack.conf argument '{argument}' has an unknown key '{name}' (known keys: {KnownKeys}); fix the slurmnative line in plugstack.conf";
                return false;
            }
            if (!seen.Add(name))
            {
                error = $"plugstack.conf argument '{argument}' repeats the key '{name}'; keep one of them in the slurmnative line of plugstack.conf";
                return false;
            }
            if (!key.IsValid(value))
            {
                error = $"plugstack.conf argument '{argument}': '{name}' must be {key.Accepted}; fix the slurmnative line in plugstack.conf";
                return false;
            }
            settings = key.Set(settings, value);
        }
        return true;
    }

    private static string KnownKeys => string.Join(", ", Keys.Select(k => k.Name));
}
