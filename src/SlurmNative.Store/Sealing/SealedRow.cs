using System.Data.Common;
using SlurmNative.Store.Keys;

namespace SlurmNative.Store.Sealing;

/// <summary>
/// One credential as a database holds it: the clear facts the renewer and <c>list</c> need
/// (times in Unix seconds), and the ticket sealed under a key of the keyring; when its owner last
/// uploaded it and whether it is kept without jobs.
/// </summary>
internal sealed record SealedRow(uint Uid, string Principal, long Start, long End, long RenewTill, uint Flags, SealedData Sealed, long Version,
    bool Keep, long Uploaded)
{
    /// <summary>The columns every store selects a row with, in the order <see cref="Read"/> reads them.</summary>
    public const string Columns = "uid, principal, start, \"end\", renew_till, flags, key_id, nonce, ciphertext, version, keep, uploaded";

    /// <summary>Reads the current row of a query that selected <see cref="Columns"/>; the ticket stays sealed.</summary>
    public static SealedRow Read(DbDataReader reader) => new(
        (uint)reader.GetInt64(0), reader.GetString(1), reader.GetInt64(2), reader.GetInt64(3), reader.GetInt64(4), (uint)reader.GetInt64(5),
        new SealedData(reader.GetString(6), reader.GetFieldValue<byte[]>(7), reader.GetFieldValue<byte[]>(8)), reader.GetInt64(9),
        // SQLite keeps the flag as an integer, PostgreSQL as a boolean; GetBoolean reads both.
        reader.GetBoolean(10), reader.GetInt64(11));

    public override string ToString() => $"sealed credential of uid {Uid} ({Principal})";
}
