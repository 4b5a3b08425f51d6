using System.Globalization;

namespace SlurmNative.Credentials.Ccache;

/// <summary>
/// srun's shortcut to the user's TGT: the default ccache read as a file, without libkrb5,
/// whose loading (six libraries and a profile parse) is a large share of what forwarding
/// adds to srun (bench/plugin-startup.sh). It answers only when the answer is the one libkrb5 would give: KRB5CCNAME
/// names a FILE ccache, or is unset and krb5.conf names a FILE default or none; and
/// the file (format version 4, as MIT and Heimdal write) holds an unexpired TGT of the
/// client's own realm. Anything else (DIR, KEYRING or KCM caches, an unusual file, no
/// ticket, an expired one) returns null, and the caller asks libkrb5, which also words the
/// error the user sees.
/// </summary>
internal static class UserFileCcache
{
    private const int LargestFile = 1 << 20;
    private const string BuiltInDefault = "/tmp/krb5cc_{0}";

    /// <param name="getEnvironment">the process environment (a parameter so tests need not change their own).</param>
    /// <returns>the TGT in krb5_marshal_credentials form, or null when libkrb5 must decide.</returns>
    internal static byte[]? TryReadTicketGrantingTicket(Func<string, string?> getEnvironment, uint uid, DateTimeOffset now)
    {
        string? path = DefaultPath(getEnvironment, uid);
        if (path is null)
            return null;
        byte[] file;
        try
        {
            var info = new FileInfo(path);
            if (!info.Exists || info.Length > LargestFile)
                return null;
            file = File.ReadAllBytes(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return null;
        }
        try
        {
            return FileCcacheFormat.FindTicketGrantingTicket(file, now);
        }
        catch (FormatException)
        {
            return null;
        }
    }

    /// <summary>The file libkrb5's krb5_cc_default would open, or null when it would open something else or the profile decides.</summary>
    internal static string? DefaultPath(Func<string, string?> getEnvironment, uint uid)
    {
        string? name = getEnvironment("KRB5CCNAME");
        if (!string.IsNullOrEmpty(name))
        {
            if (name.Contains("%{", StringComparison.Ordinal))
                return null;
            if (name.StartsWith("FILE:", StringComparison.Ordinal))
                return name.Length > 5 ? name[5..] : null;
            // No type prefix means FILE to libkrb5; any other prefix is a type this code does not read.
            return name.Contains(':', StringComparison.Ordinal) ? null : name;
        }
        string profile = getEnvironment("KRB5_CONFIG") ?? "/etc/krb5.conf";
        // libkrb5 takes the first file of the list that sets the relation.
        foreach (string config in profile.Split(':', StringSplitOptions.RemoveEmptyEntries))
        {
            switch (ProfileDefault(config, out string? configured))
            {
                case ProfileAnswer.Unset:
                    continue;
                case ProfileAnswer.Set:
                    return FilePath(configured!, uid);
                default:
                    return null;
            }
        }
        return string.Format(CultureInfo.InvariantCulture, BuiltInDefault, uid);
    }

    private enum ProfileAnswer
    {
        Unset,
        Set,
        Unknown,
    }

    /// <summary>
    /// default_ccache_name in one profile file's [libdefaults], read as simply as the common
    /// case allows: a file that includes others, or sets it twice, or inside braces, is Unknown.
    /// A missing file sets nothing.
    /// </summary>
    private static ProfileAnswer ProfileDefault(string config, out string? value)
    {
        value = null;
        string[] lines;
        try
        {
            var info = new FileInfo(config);
            if (!info.Exists)
                return ProfileAnswer.Unset;
            if (info.Length > LargestFile)
                return ProfileAnswer.Unknown;
            lines = File.ReadAllLines(config);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return ProfileAnswer.Unknown;
        }
        string section = "";
        int depth = 0;
        foreach (string raw in lines)
        {
            string line = raw.Trim();
            if (line.StartsWith("include", StringComparison.Ordinal) || line.StartsWith("module", StringComparison.Ordinal))
                return ProfileAnswer.Unknown;
            if (line.StartsWith('[') && line.EndsWith(']'))
            {
                section = line[1..^1].Trim();
                depth = 0;
                continue;
            }
            foreach (char c in line)
                depth += c == '{' ? 1 : c == '}' ? -1 : 0;
            if (!line.StartsWith("default_ccache_name", StringComparison.Ordinal))
                continue;
            int equals = line.IndexOf('=', StringComparison.Ordinal);
            if (section != "libdefaults" || depth != 0 || value is not null || equals < 0)
                return ProfileAnswer.Unknown;
            value = line[(equals + 1)..].Trim();
        }
        return value is null ? ProfileAnswer.Unset : ProfileAnswer.Set;
    }

    /// <summary>A configured FILE name with the uid tokens srun can expand; null for anything else.</summary>
    private static string? FilePath(string configured, uint uid)
    {
        string name = configured.StartsWith("FILE:", StringComparison.Ordinal) ? configured[5..] : configured;
        if (!name.StartsWith('/'))
            return null;
        string uidText = uid.ToString(CultureInfo.InvariantCulture);
        // srun runs with uid == euid, so the three spellings of the user's id agree.
        name = name.Replace("%{uid}", uidText, StringComparison.Ordinal)
            .Replace("%{euid}", uidText, StringComparison.Ordinal)
            .Replace("%{USERID}", uidText, StringComparison.Ordinal);
        return name.Contains('%', StringComparison.Ordinal) ? null : name;
    }
}
