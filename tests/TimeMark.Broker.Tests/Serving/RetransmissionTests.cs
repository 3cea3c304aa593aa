using System.Buffers;
using System.Text.Json;
using Microsoft.Data.Sqlite;
using MQTTnet;
using TimeMark.Protocol.Datagrams;

namespace TimeMark.Broker.Tests.Serving;

/// <summary>
/// A QoS 1 client resends a PUBLISH (DUP flag set) when it lost the connection before the PUBACK came: the
/// broker had marked it already, so the resend is acknowledged but neither marked nor forwarded again, and it is
/// not a replay. Without DUP the same bytes are still refused as a replay.
/// </summary>
public sealed class RetransmissionTests : IAsyncLifetime
{
    private readonly AgentBroker _broker = new();

    public async Task InitializeAsync() => await _broker.StartAsync();

    public async Task DisposeAsync() => await _broker.DisposeAsync();

    private static ulong VerOf(MqttApplicationMessage received)
    {
        Assert.True(DatagramReader.TryRead(received.Payload.ToArray(), out Datagram marked, out _));
        return marked.Ver!.Value;
    }

    [Fact]
    public async Task Resend_DatagramAlreadyMarked_AcknowledgedButNeitherMarkedNorForwardedAgain()
    {
        await using MqttTestClient subscriber = await _broker.ConnectReaderAsync();
        await using MqttTestClient device = await _broker.ConnectAgentAsync();
        byte[] datagram = Readings.Datagram(_broker.Device, ver: 1);
        Assert.Equal(MqttClientPublishReasonCode.Success, (await device.PublishAsync(AgentBroker.Topic, datagram)).ReasonCode);

        MqttClientPublishResult resent = await device.ResendAsync(AgentBroker.Topic, datagram);
        await device.PublishAsync(AgentBroker.Topic, Readings.Datagram(_broker.Device, ver: 2));

        Assert.Equal(MqttClientPublishReasonCode.Success, resent.ReasonCode);
        Assert.Contains("already marked", resent.ReasonString, StringComparison.Ordinal);
        Assert.Equal(1UL, VerOf(subscriber.Receive()));
        Assert.Equal(2UL, VerOf(subscriber.Receive())); // not the resend in between
        string metrics = await _broker.Http.GetStringAsync("metrics");
        Assert.Contains("timemark_retransmissions_total 1\n", metrics);
        Assert.Contains("timemark_log_entries 2\n", metrics);
        Assert.Contains("timemark_messages_rejected_total{reason=\"Replay\"} 0\n", metrics);
        using JsonDocument status = JsonDocument.Parse(await _broker.Http.GetStringAsync("devices/agent-1"));
        Assert.Equal(1, status.RootElement.GetProperty("retransmissions").GetInt64());
        Assert.Equal(0, status.RootElement.GetProperty("replays").GetInt64());
    }

    [Fact]
    public async Task Resend_InANewSessionWhileTheFirstCopyWaitsForTheLog_AcknowledgedOnlyOnceTheFirstIsDurable()
    {
        byte[] datagram = Readings.Datagram(_broker.Device, ver: 1);
        MqttTestClient first = await _broker.ConnectAgentAsync();
        MqttTestClient? again = null;
        try
        {
            Task<MqttClientPublishResult> resent;
            // Another writer holds SQLite's write lock, so the first copy cannot become durable (the busy timeout is 30 s).
            using (var blocker = new SqliteConnection($"Data Source={Path.Combine(_broker.DataDirectory, "log.db")}"))
            {
                blocker.Open();
                using SqliteTransaction writeLock = blocker.BeginTransaction(deferred: false);
                _ = first.PublishAsync(AgentBroker.Topic, datagram).ContinueWith(_ => { }, TaskScheduler.Default); // its session is taken over
                await Task.Delay(TimeSpan.FromMilliseconds(500));
                // The device reconnects with a clean start, as after a lost connection, and resends what it has no PUBACK for.
                again = await _broker.ConnectAgentAsync();
                resent = again.ResendAsync(AgentBroker.Topic, datagram);
                await Task.Delay(TimeSpan.FromSeconds(1));

                Assert.False(resent.IsCompleted, "the resend was acknowledged while its first copy was not yet durable");
                writeLock.Rollback();
            }

            MqttClientPublishResult ack = await resent;
            Assert.Equal(MqttClientPublishReasonCode.Success, ack.ReasonCode);
            Assert.Contains("already marked", ack.ReasonString, StringComparison.Ordinal);
            Assert.Contains("timemark_log_entries 1\n", await _broker.Http.GetStringAsync("metrics"));
        }
        finally
        {
            await first.DisposeAsync();
            if (again is not null)
                await again.DisposeAsync();
        }
    }

    [Fact]
    public async Task Resend_DatagramNeverSeen_MarkedAndForwarded()
    {
        await using MqttTestClient subscriber = await _broker.ConnectReaderAsync();
        await using MqttTestClient device = await _broker.ConnectAgentAsync();

        MqttClientPublishResult resent = await device.ResendAsync(AgentBroker.Topic, Readings.Datagram(_broker.Device, ver: 1));

        Assert.Equal(MqttClientPublishReasonCode.Success, resent.ReasonCode);
        MqttApplicationMessage received = subscriber.Receive();
        Assert.Equal(1UL, VerOf(received));
        Assert.Equal("ok", Readings.Property(received, "tm-status"));
    }

    [Fact]
    public async Task Publish_SameDatagramWithoutDup_StillRefusedAsReplay()
    {
        await using MqttTestClient device = await _broker.ConnectAgentAsync();
        byte[] datagram = Readings.Datagram(_broker.Device, ver: 1);
        await device.PublishAsync(AgentBroker.Topic, datagram);

        MqttClientPublishResult again = await device.PublishAsync(AgentBroker.Topic, datagram);

        Assert.Equal(MqttClientPublishReasonCode.NotAuthorized, again.ReasonCode);
    }
}
