using Microsoft.Data.Sqlite;
using SlurmNative.Store.Sealing;

namespace SlurmNative.Store.Sqlite.Lookups;

/// <summary>
/// A reader connection with the by-uid lookup prepared on it. Every get runs that one
/// statement: preparing it each time (parse, plan) and taking a connection from the
/// generic pool cost more than the lookup itself.
/// </summary>
internal sealed class SqliteLookup : IDisposable
{
    public SqliteConnection Connection { get; }
    public SqliteCommand Command { get; }
    public SqliteParameter Uid { get; }

    public SqliteLookup(string connectionString)
    {
        Connection = new SqliteConnection(connectionString);
        try
        {
            Connection.Open();
            Command = Connection.CreateCommand();
            Command.CommandText = $"SELECT {SealedRow.Columns} FROM credentials WHERE uid = $uid;";
            Uid = Command.Parameters.Add("$uid", SqliteType.Integer);
            Command.Prepare();
        }
        catch
        {
            Connection.Dispose();
            throw;
        }
    }

    public void Dispose()
    {
        Command.Dispose();
        Connection.Dispose();
    }
}
