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
            entries.Add(new CredentialSummary(reader.UInt32(), reader.String16(), Time(ref reader), Time(ref reader), Time(ref reader), reader.UInt32()));
        reader.EnsureEnd();
        return entries;
    }

    // A time DateTimeOffset cannot hold is a malformed list, not an ArgumentOutOfRangeException for the caller.
    private static DateTimeOffset Time(ref WireReader reader)
    {
        long seconds = reader.Int64();
        if (seconds < DateTimeOffset.MinValue.ToUnixTimeSeconds() || seconds > DateTimeOffset.MaxValue.ToUnixTimeSeconds())
            throw new ProtocolException(ReplyStatus.BadRequest, "a list entry's time is out of range");
        return DateTimeOffset.FromUnixTimeSeconds(seconds);
    }
}
