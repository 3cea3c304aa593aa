using System.Net;
using Microsoft.Data.Sqlite;
using MQTTnet;
using MQTTnet.Protocol;
using TimeMark.Protocol.Datagrams;

namespace TimeMark.Broker.Tests.Serving;

/// <summary>
/// The evidence log fails under a running broker (here its table disappears behind its back, as it would on a broken disk or
/// a database an operator damaged): from then on every message is refused with 0x80 and a reason, none is forwarded without
/// its entry, the broker keeps serving, /healthz turns 503 naming the cause, and the stop exits 1 saying the log failed.
/// </summary>
public sealed class LogFailureTests : IAsyncLifetime
{
    private readonly AgentBroker _broker = new();

    public async Task InitializeAsync() => await _broker.StartAsync();

    public async Task DisposeAsync() => await _broker.DisposeAsync();

    // Another connection drops the entries table: the broker's next commit fails with "no such table".
    private void BreakTheLog()
    {
        using var connection = new SqliteConnection($"Data Source={Path.Combine(_broker.DataDirectory, "log.db")};Pooling=False");
        connection.Open();
        using SqliteCommand drop = connection.CreateCommand();
        drop.CommandText = "DROP TABLE entries";
        drop.ExecuteNonQuery();
    }

    private async Task<MqttTestClient> PublishOneMarkedAsync(MqttTestClient subscriber)
    {
        MqttTestClient device = await _broker.ConnectAgentAsync();
        Assert.Equal(MqttClientPublishReasonCode.Success, (await device.PublishAsync(AgentBroker.Topic, Readings.Datagram(_broker.Device, ver: 1))).ReasonCode);
        subscriber.Receive();
        return device;
    }

    [Fact]
    public async Task Publish_AfterTheLogFailed_RefusedWithReasonAndNotForwarded()
    {
        await using MqttTestClient subscriber = await _broker.ConnectReaderAsync();
        await using MqttTestClient device = await PublishOneMarkedAsync(subscriber);
        BreakTheLog();

        MqttClientPublishResult refused = await device.PublishAsync(AgentBroker.Topic, Readings.Datagram(_broker.Device, ver: 2));
        MqttClientPublishResult alsoRefused = await device.PublishAsync(AgentBroker.Topic, Readings.Datagram(_broker.Device, ver: 3));
        await device.PublishAsync(AgentBroker.Topic, Readings.Datagram(_broker.Device, ver: 4), MqttQualityOfServiceLevel.AtMostOnce);

        Assert.Equal(MqttClientPublishReasonCode.UnspecifiedError, refused.ReasonCode);
        Assert.Contains("evidence log", refused.ReasonString, StringComparison.Ordinal);
        Assert.Equal(MqttClientPublishReasonCode.UnspecifiedError, alsoRefused.ReasonCode);
        string metrics = await _broker.Http.GetStringAsync("metrics");
        Assert.Contains("timemark_messages_rejected_total{reason=\"LogFailure\"} 3\n", metrics);
        Assert.Contains("timemark_log_entries 1\n", metrics);
        Assert.Contains("timemark_log_failed 1\n", metrics);
        Assert.False(subscriber.HasReceived);
        Assert.Contains("no such table: entries", _broker.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Healthz_AfterTheLogFailed_ServiceUnavailableNamingTheCause()
    {
        await using MqttTestClient subscriber = await _broker.ConnectReaderAsync();
        await using MqttTestClient device = await PublishOneMarkedAsync(subscriber);
        using (HttpResponseMessage healthy = await _broker.Http.GetAsync("healthz"))
            Assert.Equal(HttpStatusCode.OK, healthy.StatusCode);
        BreakTheLog();

        await device.PublishAsync(AgentBroker.Topic, Readings.Datagram(_broker.Device, ver: 2));

        using HttpResponseMessage health = await _broker.Http.GetAsync("healthz");
        Assert.Equal(HttpStatusCode.ServiceUnavailable, health.StatusCode);
        string body = await health.Content.ReadAsStringAsync();
        Assert.StartsWith("evidence log failed: ", body, StringComparison.Ordinal);
        Assert.Contains("no such table: entries", body, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Connect_AfterTheLogFailed_StillServedAndRefusedPerMessage()
    {
        await using MqttTestClient subscriber = await _broker.ConnectReaderAsync();
        await using (MqttTestClient first = await PublishOneMarkedAsync(subscriber))
        {
            BreakTheLog();
            await first.PublishAsync(AgentBroker.Topic, Readings.Datagram(_broker.Device, ver: 2));
        }

        await using MqttTestClient again = await _broker.ConnectAgentAsync();
        MqttClientPublishResult refused = await again.PublishAsync(AgentBroker.Topic, Readings.Datagram(_broker.Device, ver: 3));

        Assert.Equal(MqttClientPublishReasonCode.UnspecifiedError, refused.ReasonCode);
        Assert.False(subscriber.HasReceived);
    }

    [Fact]
    public async Task Stop_AfterTheLogFailed_ExitsOneNamingTheFailure()
    {
        await using MqttTestClient subscriber = await _broker.ConnectReaderAsync();
        await using (MqttTestClient device = await PublishOneMarkedAsync(subscriber))
        {
            BreakTheLog();
            await device.PublishAsync(AgentBroker.Topic, Readings.Datagram(_broker.Device, ver: 2));
        }

        int exitCode = await _broker.StopAsync();

        Assert.True(exitCode == 1, $"exit {exitCode}:\n{_broker.Output}");
        Assert.Contains("timemark: the evidence log failed while serving, and every message since was refused: evidence log: the sequencer stopped after a storage failure (SQLite Error 1: 'no such table: entries'.)", _broker.Output, StringComparison.Ordinal);
    }
}
