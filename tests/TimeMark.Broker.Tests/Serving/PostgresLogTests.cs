using System.Text.Json;
using MQTTnet;
using Npgsql;
using TimeMark.Broker.Pipeline;

namespace TimeMark.Broker.Tests.Serving;

/// <summary>
/// <c>timemark serve</c> with its evidence log on PostgreSQL (<c>LogDatabase</c> a connection string), against the suite's
/// throwaway server, each test in a database of its own: messages are marked and logged there, the log continues after a
/// restart, and a server that drops the broker's connections fails the log visibly instead of losing messages.
/// </summary>
public sealed class PostgresLogTests : IAsyncLifetime
{
    /// <summary>The server's connection string; ./test.sh starts one (tests/services/postgres.sh). Without it these tests fail, never skip.</summary>
    private const string ServerVariable = "TIMEMARK_TEST_POSTGRES";

    private readonly AgentBroker _broker = new();
    private readonly string _database = "broker_" + Guid.NewGuid().ToString("N");
    private string _settings = "";

    private static string Server() => Environment.GetEnvironmentVariable(ServerVariable) is { Length: > 0 } server
        ? server
        : throw new InvalidOperationException($"{ServerVariable} is not set: run ./test.sh, which starts a PostgreSQL server for the suite");

    private static async Task ExecuteAsync(string connectionString, string sql)
    {
        await using var connection = new NpgsqlConnection(new NpgsqlConnectionStringBuilder(connectionString) { Pooling = false }.ToString());
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync();
    }

    private string Database => new NpgsqlConnectionStringBuilder(Server()) { Database = _database }.ToString();

    public async Task InitializeAsync()
    {
        await ExecuteAsync(Server(), $"CREATE DATABASE \"{_database}\"");
        _settings = $"\"LogDatabase\": {JsonSerializer.Serialize(Database)}";
        await _broker.StartAsync(_settings);
    }

    public async Task DisposeAsync()
    {
        await _broker.DisposeAsync();
        await ExecuteAsync(Server(), $"DROP DATABASE \"{_database}\" WITH (FORCE)");
    }

    private async Task<string> PublishAndReceiveLogIndexAsync(ulong ver)
    {
        (MqttClientPublishResult ack, MqttApplicationMessage received) = await _broker.PublishAndReceiveAsync(Readings.Datagram(_broker.Device, ver));
        Assert.Equal(MqttClientPublishReasonCode.Success, ack.ReasonCode);
        return Readings.Property(received, TimeMarker.LogIndexProperty);
    }

    [Fact]
    public async Task Serve_LogOnPostgres_MarksAndTheLogContinuesAfterARestart()
    {
        string first = await PublishAndReceiveLogIndexAsync(ver: 1);
        Assert.Equal(0, await _broker.StopAsync());
        await _broker.StartAsync(_settings);

        string second = await PublishAndReceiveLogIndexAsync(ver: 2);

        Assert.Equal(("0", "1"), (first, second));
        await using var connection = new NpgsqlConnection(Database);
        await connection.OpenAsync();
        await using var count = new NpgsqlCommand("SELECT count(*) FROM timemark.entries", connection);
        Assert.Equal(2L, await count.ExecuteScalarAsync());
        Assert.False(File.Exists(Path.Combine(_broker.DataDirectory, "log.db")));
    }

    [Fact]
    public async Task Serve_SecondBrokerWithItsOwnLogName_SharesTheDatabaseWithAnotherLog()
    {
        await using var second = new AgentBroker();
        await second.StartAsync($"{_settings}, \"LogName\": \"broker_2\"");

        (MqttClientPublishResult ack, MqttApplicationMessage received) = await second.PublishAndReceiveAsync(Readings.Datagram(second.Device, ver: 1));
        string first = await PublishAndReceiveLogIndexAsync(ver: 1);

        Assert.Equal(MqttClientPublishReasonCode.Success, ack.ReasonCode);
        Assert.Equal(("0", "0"), (first, Readings.Property(received, TimeMarker.LogIndexProperty)));
        await using var connection = new NpgsqlConnection(Database);
        await connection.OpenAsync();
        await using var count = new NpgsqlCommand("SELECT (SELECT count(*) FROM timemark.entries) + (SELECT count(*) FROM broker_2.entries)", connection);
        Assert.Equal(2L, await count.ExecuteScalarAsync());
    }

    [Fact]
    public async Task PostgresDropsTheBrokersConnections_TheBrokerStopsAndItsRestartContinuesTheLog()
    {
        Assert.Equal("0", await PublishAndReceiveLogIndexAsync(ver: 1));
        await ExecuteAsync(Server(),
            $"SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '{_database}' AND pid <> pg_backend_pid()");

        await _broker.PublishIntoAFailingLogAsync(ver: 2); // Its commit meets the dropped connection.
        int exitCode = await _broker.WaitForExitAsync();
        Assert.True(exitCode == 1, $"exit {exitCode}:\n{_broker.Output}");
        Assert.Contains("the evidence log failed while serving", _broker.Output, StringComparison.Ordinal);

        // What the supervisor does: start it again. The log reopens at its durable size; VER 2 was never stored.
        await _broker.StartAsync(_settings);
        Assert.Equal("1", await PublishAndReceiveLogIndexAsync(ver: 3));
    }
}
