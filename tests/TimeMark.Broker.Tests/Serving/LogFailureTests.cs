using System.Net;
using Microsoft.Data.Sqlite;
using MQTTnet;
using MQTTnet.Protocol;

namespace TimeMark.Broker.Tests.Serving;

/// <summary>
/// The evidence log fails under a running broker (here its table disappears behind its back, as it would on a broken disk or
/// a database an operator damaged). By default the broker then stops, exiting 1 with the cause, for its supervisor to start
/// it again. With OnLogFailure: Refuse it keeps running: every message is refused with 0x80 and a reason, none is forwarded
/// without its entry, /healthz turns 503 naming the cause, and the stop exits 1 saying the log failed.
/// </summary>
public sealed class LogFailureTests : IAsyncLifetime
{
    private readonly AgentBroker _broker = new();

    public async Task InitializeAsync() => await _broker.StartAsync(""" "OnLogFailure": "Refuse" """);

    public async Task DisposeAsync() => await _broker.DisposeAsync();

    // Another connection drops the entries table: the broker's next commit fails with "no such table".
    private void BreakTheLog() => BreakTheLog(_broker);

    private static void BreakTheLog(AgentBroker broker)
    {
        using var connection = new SqliteConnection($"Data Source={Path.Combine(broker.DataDirectory, "log.db")};Pooling=False");
        connection.Open();
        using SqliteCommand drop = connection.CreateCommand();
        drop.CommandText = "DROP TABLE entries";
        drop.ExecuteNonQuery();
    }

    // agent-1 has one message marked; then the log breaks, and its next message meets the failure.
    private async Task FailTheLogAsync()
    {
        await using MqttTestClient device = await _broker.ConnectAgentAsync();
        MqttClientPublishResult marked = await device.PublishAsync(AgentBroker.Topic, Readings.Datagram(_broker.Device, ver: 1));
        Assert.Contains(marked.ReasonCode, (MqttClientPublishReasonCode[])[MqttClientPublishReasonCode.Success, MqttClientPublishReasonCode.NoMatchingSubscribers]);
        BreakTheLog();
        Assert.Equal(MqttClientPublishReasonCode.UnspecifiedError, (await device.PublishAsync(AgentBroker.Topic, Readings.Datagram(_broker.Device, ver: 2))).ReasonCode);
    }

    [Fact]
    public async Task LogFailure_ByDefault_TheBrokerStopsItselfAndExitsOneNamingTheCause()
    {
        await using var broker = new AgentBroker();
        await broker.StartAsync();
        await using (MqttTestClient device = await broker.ConnectAgentAsync())
        {
            Assert.Equal(MqttClientPublishReasonCode.NoMatchingSubscribers,
                (await device.PublishAsync(AgentBroker.Topic, Readings.Datagram(broker.Device, ver: 1))).ReasonCode);
        }
        BreakTheLog(broker);
        await broker.PublishIntoAFailingLogAsync(ver: 2);

        int exitCode = await broker.WaitForExitAsync();

        Assert.True(exitCode == 1, $"exit {exitCode}:\n{broker.Output}");
        Assert.Contains("stopping the broker so that its supervisor starts it again", broker.Output, StringComparison.Ordinal);
        Assert.Contains("timemark: the evidence log failed while serving", broker.Output, StringComparison.Ordinal);
        Assert.Contains("no such table: entries", broker.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Publish_OnANewConnectionAfterTheLogFailed_RefusedWithReasonAndNotForwarded()
    {
        await using MqttTestClient subscriber = await _broker.ConnectReaderAsync();
        await FailTheLogAsync();
        subscriber.Receive(); // VER 1, marked before the failure

        await using MqttTestClient device = await _broker.ConnectAgentAsync();
        MqttClientPublishResult refused = await device.PublishAsync(AgentBroker.Topic, Readings.Datagram(_broker.Device, ver: 3));
        await device.PublishAsync(AgentBroker.Topic, Readings.Datagram(_broker.Device, ver: 4), MqttQualityOfServiceLevel.AtMostOnce);

        Assert.Equal(MqttClientPublishReasonCode.UnspecifiedError, refused.ReasonCode);
        Assert.Contains("evidence log", refused.ReasonString, StringComparison.Ordinal);
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
        using (HttpResponseMessage healthy = await _broker.Http.GetAsync("healthz"))
            Assert.Equal(HttpStatusCode.OK, healthy.StatusCode);

        await FailTheLogAsync();

        using HttpResponseMessage health = await _broker.Http.GetAsync("healthz");
        Assert.Equal(HttpStatusCode.ServiceUnavailable, health.StatusCode);
        string body = await health.Content.ReadAsStringAsync();
        Assert.StartsWith("evidence log failed: ", body, StringComparison.Ordinal);
        Assert.Contains("no such table: entries", body, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Stop_AfterTheLogFailed_ExitsOneNamingTheFailure()
    {
        await FailTheLogAsync();

        int exitCode = await _broker.StopAsync();

        Assert.True(exitCode == 1, $"exit {exitCode}:\n{_broker.Output}");
        Assert.Contains("timemark: the evidence log failed while serving, and every message since was refused: evidence log: the sequencer stopped after a storage failure (SQLite Error 1: 'no such table: entries'.)", _broker.Output, StringComparison.Ordinal);
    }
}
