using System.Buffers.Binary;

namespace SlurmNative.Credentials.Ccache;

/// <summary>
/// The bytes of a FILE ccache (format version 4) holding one credential.
/// krb5_marshal_credentials already produces a credential in exactly this file's
/// encoding; the file only adds a version, an empty header and the default principal,
/// which is the credential's own client principal (the first field of the credential).
/// Building the bytes here lets the installer write them through a descriptor it opened
/// safely, instead of letting libkrb5 open a path by name.
/// </summary>
internal static class FileCcacheFormat
{
    private const ushort Version4 = 0x0504;

    /// <exception cref="FormatException">the bytes do not start with a principal.</exception>
    internal static byte[] Encode(ReadOnlySpan<byte> marshalledCredential)
    {
        int principalLength = PrincipalLength(marshalledCredential);
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
        int clientLength = PrincipalLength(credential);
        string client = PrincipalName(credential[..clientLength]);
        int offset = clientLength + PrincipalLength(credential[clientLength..]);
        if (credential.Length - offset < 2)
            throw new FormatException("the credential ends before its key");
        offset += 2; // key enctype
        uint keyLength = ReadUInt32(credential, ref offset);
        if (keyLength > (uint)(credential.Length - offset))
            throw new FormatException("the credential's key runs past its end");
        offset += (int)keyLength;
        uint authTime = ReadUInt32(credential, ref offset);
        uint startTime = ReadUInt32(credential, ref offset);
        uint endTime = ReadUInt32(credential, ref offset);
        uint renewTime = ReadUInt32(credential, ref offset);
        start = DateTimeOffset.FromUnixTimeSeconds(startTime != 0 ? startTime : authTime);
        end = DateTimeOffset.FromUnixTimeSeconds(endTime);
        renewTill = DateTimeOffset.FromUnixTimeSeconds(renewTime);
        return client;
    }

    private static string PrincipalName(ReadOnlySpan<byte> principal)
    {
        int offset = 4;
        uint components = ReadUInt32(principal, ref offset);
        var parts = new string[components + 1];
        for (int i = 0; i <= components; i++)
        {
            int length = (int)ReadUInt32(principal, ref offset);
            parts[i] = System.Text.Encoding.UTF8.GetString(principal.Slice(offset, length));
            offset += length;
        }
        return string.Join('/', parts, 1, (int)components) + "@" + parts[0];
    }

    /// <summary>name type, component count, realm, components: each string a 32-bit big-endian length and bytes.</summary>
    private static int PrincipalLength(ReadOnlySpan<byte> data)
    {
        int offset = 0;
        ReadUInt32(data, ref offset); // name type
        uint components = ReadUInt32(data, ref offset);
        if (components > 64)
            throw new FormatException($"a client principal with {components} components is not a principal");
        for (uint i = 0; i <= components; i++) // the realm, then each component
        {
            uint length = ReadUInt32(data, ref offset);
            if (length > (uint)(data.Length - offset))
                throw new FormatException("the client principal runs past the credential's end");
            offset += (int)length;
        }
        return offset;
    }

    private static uint ReadUInt32(ReadOnlySpan<byte> data, ref int offset)
    {
        if (data.Length - offset < 4)
            throw new FormatException("the credential ends inside its client principal");
        uint value = BinaryPrimitives.ReadUInt32BigEndian(data[offset..]);
        offset += 4;
        return value;
    }
}
