namespace SlurmNative.Credentials.Protocol;

/// <summary>
/// What travels inside the MUNGE credential of a request. The reply key lets the
/// daemon answer so that only this requester can read the answer.
/// </summary>
public sealed record Request(Operation Operation, byte[] RequestId, byte[] ReplyKey, uint? TargetUid, byte[] Blob)
{
    public const int IdBytes = 16;
    public const int KeyBytes = 32;
    private const uint NoTarget = uint.MaxValue;

    public static Request Create(Operation operation, uint? targetUid = null, byte[]? blob = null)
    {
        // One draw for both: each getrandom(2) is a system call.
        Span<byte> random = stackalloc byte[IdBytes + KeyBytes];
        KernelRandom.Fill(random);
        var request = new Request(operation, random[..IdBytes].ToArray(), random[IdBytes..].ToArray(), targetUid, blob ?? []);
        random.Clear();
        return request;
    }

    /// <summary>
    /// A get of <paramref name="targetUid"/>'s credential; for a node, naming the job it is for (the job's
    /// id as the blob), which the daemon checks runs on the requesting host when it binds nodes to jobs.
    /// </summary>
    public static Request Fetch(uint? targetUid, uint? jobId = null)
    {
        byte[] blob = [];
        if (jobId is uint job)
        {
            blob = new byte[4];
            System.Buffers.Binary.BinaryPrimitives.WriteUInt32BigEndian(blob, job);
        }
        return Create(Operation.Get, targetUid, blob);
    }

    /// <summary>The job a get names; null if it names none.</summary>
    /// <exception cref="ProtocolException">the blob of a get is neither empty nor a job id.</exception>
    public uint? FetchedForJob => Blob.Length switch
    {
        0 => null,
        4 => System.Buffers.Binary.BinaryPrimitives.ReadUInt32BigEndian(Blob),
        _ => throw new ProtocolException(ReplyStatus.BadRequest, $"a get carries a job id of 4 bytes or nothing, not {Blob.Length} bytes"),
    };

    public byte[] Encode() => new WireWriter()
        .Byte((byte)Operation)
        .Bytes(RequestId)
        .Bytes(ReplyKey)
        .UInt32(TargetUid ?? NoTarget)
        .Blob32(Blob)
        .ToArray();

    public static Request Decode(ReadOnlySpan<byte> payload)
    {
        var reader = new WireReader(payload);
        var operation = (Operation)reader.Byte();
        byte[] id = reader.Bytes(IdBytes).ToArray();
        byte[] key = reader.Bytes(KeyBytes).ToArray();
        uint target = reader.UInt32();
        byte[] blob = reader.Blob32();
        reader.EnsureEnd();
        // An unknown operation still decodes: the daemon then holds the reply key and
        // can say "unknown operation" in a reply only this requester reads.
        return new Request(operation, id, key, target == NoTarget ? null : target, blob);
    }
}
