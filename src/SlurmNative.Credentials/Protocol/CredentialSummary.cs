namespace SlurmNative.Credentials.Protocol;

/// <summary>What <c>list</c> shows of a stored credential: never the ticket itself.</summary>
public sealed record CredentialSummary(uint Uid, string Principal, DateTimeOffset Start, DateTimeOffset End, DateTimeOffset RenewTill, uint Flags)
{
    public static byte[] EncodeList(IReadOnlyCollection<CredentialSummary> entries)
    {
        var writer = new WireWriter().UInt32((uint)entries.Count);
        foreach (CredentialSummary entry in entries)
        {
            writer.UInt32(entry.Uid).String16(entry.Principal)
                .Int64(entry.Start.ToUnixTimeSeconds()).Int64(entry.End.ToUnixTimeSeconds()).Int64(entry.RenewTill.ToUnixTimeSeconds())
                .UInt32(entry.Flags);
        }
        return writer.ToArray();
    }

    public static IReadOnlyList<CredentialSummary> DecodeList(ReadOnlySpan<byte> body)
    {
        var reader = new WireReader(body);
        uint count = reader.UInt32();
        // Each entry takes at least 34 bytes: a count larger than the body allows is a lie.
        if (count > (uint)body.Length / 34)
            throw new ProtocolException(ReplyStatus.BadRequest, "list count does not match the body");
        var entries = new List<CredentialSummary>((int)count);
        for (uint i = 0; i < count; i++)
        {
            entries.Add(new CredentialSummary(reader.UInt32(), reader.String16(),
                DateTimeOffset.FromUnixTimeSeconds(reader.Int64()), DateTimeOffset.FromUnixTimeSeconds(reader.Int64()),
                DateTimeOffset.FromUnixTimeSeconds(reader.Int64()), reader.UInt32()));
        }
        reader.EnsureEnd();
        return entries;
    }
}
