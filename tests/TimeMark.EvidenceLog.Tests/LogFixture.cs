using Microsoft.Data.Sqlite;

namespace TimeMark.EvidenceLog.Tests;

/// <summary>A log in a fresh temp SQLite file (the default store), deleted on dispose.</summary>
internal sealed class LogFixture : StoreFixture
{
    private readonly TempDirectory _directory = new();

    public LogFixture()
    {
        DbPath = _directory.File("log.db");
    }

    public string DbPath { get; }

    public override string Database => DbPath;

    public override string? LogName => null;

    public override string StoreName => DbPath;

    /// <summary>A raw connection to the log file, bypassing the store (to inspect or damage it).</summary>
    public SqliteConnection OpenRaw()
    {
        var connection = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = DbPath, Pooling = false }.ToString());
        connection.Open();
        return connection;
    }

    public override void Execute(string sql, params (string Name, object Value)[] parameters)
    {
        using SqliteConnection connection = OpenRaw();
        using SqliteCommand command = connection.CreateCommand();
        command.CommandText = sql;
        foreach ((string name, object value) in parameters)
        {
            command.Parameters.AddWithValue("@" + name, value);
        }

        command.ExecuteNonQuery();
    }

    public override object? Scalar(string sql)
    {
        using SqliteConnection connection = OpenRaw();
        using SqliteCommand command = connection.CreateCommand();
        command.CommandText = sql;
        return command.ExecuteScalar();
    }

    protected override void DisposeLog() => _directory.Dispose();
}
