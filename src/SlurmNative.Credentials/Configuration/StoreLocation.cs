namespace SlurmNative.Credentials.Configuration;

/// <summary>
/// The <c>store</c> setting: <c>sqlite:PATH</c>, or <c>postgresql:CONNECTION_STRING</c> in
/// Npgsql's <c>Key=Value;...</c> form. The connection string never holds the password (that
/// comes from <c>store_password_file</c>), so it may be printed and logged as it is.
/// </summary>
public sealed record StoreLocation(StoreKind Kind, string Target)
{
    public const string SqlitePrefix = "sqlite:";
    public const string PostgreSqlPrefix = "postgresql:";

    public static StoreLocation Sqlite(string path) => new(StoreKind.Sqlite, path);

    /// <exception cref="FormatException">no known prefix, or nothing after it.</exception>
    public static StoreLocation Parse(string value)
    {
        (StoreKind kind, string prefix) = value switch
        {
            _ when value.StartsWith(SqlitePrefix, StringComparison.Ordinal) => (StoreKind.Sqlite, SqlitePrefix),
            _ when value.StartsWith(PostgreSqlPrefix, StringComparison.Ordinal) => (StoreKind.PostgreSql, PostgreSqlPrefix),
            _ => throw new FormatException($"'{value}' names no store: write sqlite:/var/lib/slurmnative/credentials.db, or postgresql:Host=db.example.org;Database=slurmnative;Username=slurmnative"),
        };
        string target = value[prefix.Length..].Trim();
        if (target.Length == 0)
            throw new FormatException(kind == StoreKind.Sqlite ? "sqlite: needs the database file's path" : "postgresql: needs a connection string (Host=...;Database=...;Username=...)");
        return new StoreLocation(kind, target);
    }

    public override string ToString() => (Kind == StoreKind.Sqlite ? SqlitePrefix : PostgreSqlPrefix) + Target;
}
