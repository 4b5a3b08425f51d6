using Microsoft.Data.Sqlite;
using SlurmNative.Store.Keys;
using SlurmNative.Store.Sealing;
using SlurmNative.Store.Sqlite.WriteQueue;

namespace SlurmNative.Store.Sqlite.Reencryption;

/// <summary>
/// Moves every row to the keyring's first key in batches (see <see cref="CredentialSealing.ReencryptAllAsync"/>):
/// each batch is read on a reader connection and resealed through the write queue, so gets read
/// on while it commits, and a row renewed meanwhile (its version moved on) is left to the renewal.
/// </summary>
internal static class SqliteReencryption
{
    private const int BatchSize = 256;

    public static Task<int> RunAsync(Keyring keys, Func<SqliteConnection> openReader, SqliteWriteQueue writes, CancellationToken cancel) =>
        CredentialSealing.ReencryptAllAsync(keys, BatchSize, (primary, after, count, _) =>
        {
            var rows = new List<SealedRow>(count);
            using var connection = openReader();
            using var command = connection.CreateCommand();
            command.CommandText = $"SELECT {SealedRow.Columns} FROM credentials WHERE uid > $after AND key_id <> $primary ORDER BY uid LIMIT $count;";
            command.Parameters.AddWithValue("$after", after);
            command.Parameters.AddWithValue("$primary", primary);
            command.Parameters.AddWithValue("$count", count);
            using var reader = command.ExecuteReader();
            while (reader.Read())
                rows.Add(SealedRow.Read(reader));
            return Task.FromResult<IReadOnlyList<SealedRow>>(rows);
        }, (batch, token) => writes.Enqueue(context =>
        {
            int count = 0;
            foreach (ResealedRow item in batch)
                count += context.Reseal(item.Uid, item.Version, item.OldKey, item.Sealed) ? 1 : 0;
            return count;
        }, token), cancel);
}
