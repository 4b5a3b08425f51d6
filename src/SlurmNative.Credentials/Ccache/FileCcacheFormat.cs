using System.Buffers.Binary;
using System.Text;

namespace SlurmNative.Credentials.Ccache;

/// <summary>
/// The FILE ccache format, version 4, in both directions. krb5_marshal_credentials already
/// produces a credential in exactly this file's encoding; the file only adds a version, an
/// empty header and the default principal, which is the credential's own client principal
/// (the first field of the credential). Building the bytes here lets the installer write
/// them through a descriptor it opened safely, instead of letting libkrb5 open a path by
/// name; reading them here spares srun and slurmstepd loading libkrb5.
/// </summary>
internal static class FileCcacheFormat
{
    private const ushort Version4 = 0x0504;

    /// <exception cref="FormatException">the bytes do not start with a principal.</exception>
    internal static byte[] Encode(ReadOnlySpan<byte> marshalledCredential)
    {
        var reader = new Reader(marshalledCredential);
        reader.Principal(out _, out _);
        int principalLength = reader.Offset;
        var file = new byte[4 + principalLength + marshalledCredential.Length];
        BinaryPrimitives.WriteUInt16BigEndian(file, Version4);
        BinaryPrimitives.WriteUInt16BigEndian(file.AsSpan(2), 0); // no header tags
        marshalledCredential[..principalLength].CopyTo(file.AsSpan(4));
        marshalledCredential.CopyTo(file.AsSpan(4 + principalLength));
        return file;
    }

    /// <summary>
    /// Client principal and ticket times read straight from the marshalled bytes (client,
    /// server, keyblock, then authtime, starttime, endtime, renew-till as 32-bit seconds),
    /// so slurmstepd can schedule renewals without loading libkrb5.
    /// </summary>
    /// <returns>the client principal. Out parameters rather than a tuple: a tuple of dates makes NativeAOT
    /// keep date formatting, and with it the time zone code, in the plugin.</returns>
    /// <exception cref="FormatException">the bytes are not a marshalled credential.</exception>
    internal static string ReadTimes(ReadOnlySpan<byte> credential, out DateTimeOffset start, out DateTimeOffset end, out DateTimeOffset renewTill)
    {
        var reader = new Reader(credential);
        string client = reader.Principal(out _, out _);
        reader.Principal(out _, out _); // server
        reader.UInt16(); // key enctype
        reader.Skip(reader.UInt32()); // key
        uint authTime = reader.UInt32();
        uint startTime = reader.UInt32();
        uint endTime = reader.UInt32();
        uint renewTime = reader.UInt32();
        start = DateTimeOffset.FromUnixTimeSeconds(startTime != 0 ? startTime : authTime);
        end = DateTimeOffset.FromUnixTimeSeconds(endTime);
        renewTill = DateTimeOffset.FromUnixTimeSeconds(renewTime);
        return client;
    }

    /// <summary>
    /// The TGT libkrb5's reading would pick (see KerberosTickets.ReadTicketGrantingTicket):
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

    /// <summary>Big-endian fields of a version 4 ccache; a field that runs past the end is a <see cref="FormatException"/>.</summary>
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

        /// <summary>Name type, component count, realm, components.</summary>
        /// <returns>the principal as "first/second@REALM"; its realm and first component come out too.</returns>
        public string Principal(out string realm, out string? first)
        {
            UInt32(); // name type
            uint components = UInt32();
            if (components > 64)
                throw new FormatException($"a principal with {components} components");
            realm = Text(UInt32());
            var parts = new string[components];
            for (uint i = 0; i < components; i++)
                parts[i] = Text(UInt32());
            first = components > 0 ? parts[0] : null;
            return string.Join('/', parts) + "@" + realm;
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
