using System.Buffers.Binary;
using System.Globalization;
using System.Text;

namespace SlurmNative.Credentials.Ccache;

/// <summary>
/// srun's shortcut to the user's TGT: the default ccache read as a file, without libkrb5,
/// whose loading (six libraries and a profile parse) is about 1.8 ms of every srun that
/// forwards. It answers only when the answer is the one libkrb5 would give: KRB5CCNAME
/// names a FILE ccache, or is unset and krb5.conf names a FILE default or none; and
/// the file (format version 4, as MIT and Heimdal write) holds an unexpired TGT of the
/// client's own realm. Anything else (DIR, KEYRING or KCM caches, an unusual file, no
/// ticket, an expired one) returns null, and the caller asks libkrb5, which also words the
/// error the user sees.
/// </summary>
internal static class UserFileCcache
{
    private const ushort Version4 = 0x0504;
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
            return FindTicketGrantingTicket(file, now);
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

    /// <summary>
    /// The TGT libkrb5's reading would pick (see KerberosCredentials.ReadTicketGrantingTicket):
    /// server krbtgt/REALM in the client's realm, not a cache configuration entry, the latest
    /// end time, not expired. The bytes returned are the record as stored: version 4 records
    /// are exactly what krb5_marshal_credentials produces.
    /// </summary>
    /// <exception cref="FormatException">the file is not a well-formed version 4 ccache.</exception>
    internal static byte[]? FindTicketGrantingTicket(ReadOnlySpan<byte> file, DateTimeOffset now)
    {
        var reader = new Reader(file);
        if (reader.UInt16() != Version4)
            return null;
        reader.Skip(reader.UInt16()); // header tags (the KDC time offset)
        reader.Principal(out _, out _); // the default principal
        int bestStart = -1, bestEnd = -1;
        uint bestEndTime = 0;
        while (!reader.AtEnd)
        {
            int start = reader.Offset;
            reader.Principal(out string clientRealm, out _);
            reader.Principal(out string serverRealm, out string? serverFirst);
            reader.UInt16(); // key enctype
            reader.Skip(reader.UInt32()); // key
            reader.UInt32(); // authtime
            reader.UInt32(); // starttime
            uint endTime = reader.UInt32();
            reader.UInt32(); // renew-till
            reader.Skip(1); // is_skey
            reader.UInt32(); // ticket flags
            reader.SkipCounted(); // addresses
            reader.SkipCounted(); // authorization data
            reader.Skip(reader.UInt32()); // ticket
            reader.Skip(reader.UInt32()); // second ticket
            bool isTgt = serverFirst == "krbtgt" && serverRealm == clientRealm && serverRealm != "X-CACHECONF:";
            if (isTgt && (bestStart < 0 || endTime > bestEndTime))
            {
                bestStart = start;
                bestEnd = reader.Offset;
                bestEndTime = endTime;
            }
        }
        if (bestStart < 0 || DateTimeOffset.FromUnixTimeSeconds(bestEndTime) <= now)
            return null;
        return file[bestStart..bestEnd].ToArray();
    }

    private ref struct Reader(ReadOnlySpan<byte> data)
    {
        private readonly ReadOnlySpan<byte> data = data;

        public int Offset { get; private set; }

        public readonly bool AtEnd => Offset == data.Length;

        public ushort UInt16()
        {
            Need(2);
            ushort value = BinaryPrimitives.ReadUInt16BigEndian(data[Offset..]);
            Offset += 2;
            return value;
        }

        public uint UInt32()
        {
            Need(4);
            uint value = BinaryPrimitives.ReadUInt32BigEndian(data[Offset..]);
            Offset += 4;
            return value;
        }

        public void Skip(uint length)
        {
            Need(length);
            Offset += (int)length;
        }

        /// <summary>Addresses and authorization data: a count, then 16-bit type and counted bytes each.</summary>
        public void SkipCounted()
        {
            uint count = UInt32();
            for (uint i = 0; i < count; i++)
            {
                UInt16();
                Skip(UInt32());
            }
        }

        /// <summary>Name type, component count, realm, components; keeps the realm and the first component.</summary>
        public void Principal(out string realm, out string? first)
        {
            UInt32(); // name type
            uint components = UInt32();
            if (components > 64)
                throw new FormatException($"a principal with {components} components");
            realm = Text(UInt32());
            first = null;
            for (uint i = 0; i < components; i++)
            {
                string component = Text(UInt32());
                first ??= component;
            }
        }

        private string Text(uint length)
        {
            Need(length);
            string text = Encoding.UTF8.GetString(data.Slice(Offset, (int)length));
            Offset += (int)length;
            return text;
        }

        private readonly void Need(uint length)
        {
            if (length > (uint)(data.Length - Offset))
                throw new FormatException("the ccache ends inside a record");
        }
    }
}
