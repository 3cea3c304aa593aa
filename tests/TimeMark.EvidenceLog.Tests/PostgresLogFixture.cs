using Npgsql;

namespace TimeMark.EvidenceLog.Tests;

/// <summary>
/// A log in a PostgreSQL schema of its own (a random name), dropped on dispose, so tests run in parallel and leave nothing
/// behind. The server comes from <see cref="EnvironmentVariable"/>, which ./test.sh sets after starting a throwaway server
/// (tests/services/postgres.sh); without it every PostgreSQL test fails, never skips.
/// </summary>
internal sealed class PostgresLogFixture : StoreFixture
{
    /// <summary>The Npgsql connection string of the test server.</summary>
    public const string EnvironmentVariable = "TIMEMARK_TEST_POSTGRES";

    public PostgresLogFixture()
    {
        ConnectionString = ServerConnectionString();
        LogName = "test_" + Guid.NewGuid().ToString("N");
        var builder = new NpgsqlConnectionStringBuilder(ConnectionString);
        StoreName = $"postgresql://{builder.Username}@{builder.Host}:{builder.Port}/{builder.Database} schema {LogName}";
    }

    public string ConnectionString { get; }

    public override string Database => ConnectionString;

    public override string LogName { get; }

    public override string StoreName { get; }

    /// <summary>The test server's connection string; throws (failing the test) if the environment does not name one.</summary>
    public static string ServerConnectionString() =>
        Environment.GetEnvironmentVariable(EnvironmentVariable) is { Length: > 0 } value
            ? value
            : throw new InvalidOperationException(
                $"The PostgreSQL tests need a server: {EnvironmentVariable} is not set. Run ./test.sh, or start one with "
                + $"'export {EnvironmentVariable}=$(tests/services/postgres.sh start DIR)' (stop it with 'tests/services/postgres.sh stop DIR').");

    /// <summary>A raw connection whose search_path is the log's schema (created if missing), bypassing the store.</summary>
    public NpgsqlConnection OpenRaw()
    {
        var builder = new NpgsqlConnectionStringBuilder(ConnectionString) { Pooling = false };
        var connection = new NpgsqlConnection(builder.ToString());
        connection.Open();
        using var command = new NpgsqlCommand($"CREATE SCHEMA IF NOT EXISTS \"{LogName}\"; SET search_path TO \"{LogName}\"", connection);
        command.ExecuteNonQuery();
        return connection;
    }

    public override void Execute(string sql, params (string Name, object Value)[] parameters)
    {
        using NpgsqlConnection connection = OpenRaw();
        using var command = new NpgsqlCommand(sql, connection);
        foreach ((string name, object value) in parameters)
        {
            command.Parameters.AddWithValue(name, value);
        }

        command.ExecuteNonQuery();
    }

    public override object? Scalar(string sql)
    {
        using NpgsqlConnection connection = OpenRaw();
        using var command = new NpgsqlCommand(sql, connection);
        return command.ExecuteScalar();
    }

    protected override void DisposeLog()
    {
        using var connection = new NpgsqlConnection(new NpgsqlConnectionStringBuilder(ConnectionString) { Pooling = false }.ToString());
        connection.Open();
        using var command = new NpgsqlCommand($"DROP SCHEMA IF EXISTS \"{LogName}\" CASCADE", connection);
        command.ExecuteNonQuery();
    }
}
