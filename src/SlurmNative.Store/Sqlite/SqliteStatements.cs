using System.Globalization;
using Microsoft.Data.Sqlite;

namespace SlurmNative.Store.Sqlite;

/// <summary>One-off statements: pragmas, schema changes and counts that are not worth preparing.</summary>
internal static class SqliteStatements
{
    public static T Scalar<T>(SqliteConnection connection, string sql)
    {
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        return (T)Convert.ChangeType(command.ExecuteScalar()!, typeof(T), CultureInfo.InvariantCulture);
    }

    public static void Execute(SqliteConnection connection, string sql, SqliteTransaction? transaction = null)
    {
        using var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = sql;
        command.ExecuteNonQuery();
    }
}
