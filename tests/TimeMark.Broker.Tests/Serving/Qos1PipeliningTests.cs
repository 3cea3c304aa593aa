using System.Buffers;
using System.Globalization;
using Microsoft.Data.Sqlite;
using MQTTnet;
using MQTTnet.Protocol;
using TimeMark.Protocol.Datagrams;
using TimeMark.Protocol.Keys;

namespace TimeMark.Broker.Tests.Serving;

/// <summary>
/// QoS 1 messages are pipelined: the hook returns before the log is durable and the PUBACK is held back until it
/// is, then carries the marker's verdict. These check what a publisher with many messages in flight must see:
/// each PUBACK with its own message's verdict, nothing forwarded out of order, nothing acknowledged that is not
/// in the log (RestartTests kills the broker under such load).
/// </summary>
public sealed class Qos1PipeliningTests : IAsyncLifetime
{
    private readonly AgentBroker _broker = new();

    public async Task InitializeAsync() => await _broker.StartAsync();

    public async Task DisposeAsync() => await _broker.DisposeAsync();

    private static bool IsAccepted(MqttClientPublishResult ack) => (int)ack.ReasonCode < 0x80;

    private static ulong VerOf(MqttApplicationMessage received)
    {
        Assert.True(DatagramReader.TryRead(received.Payload.ToArray(), out Datagram marked, out _));
        return marked.Ver!.Value;
    }

    [Fact]
    public async Task Publish_ManyQos1InFlight_EachAcknowledgedOnceDurableAndDeliveredInOrder()
    {
        const int count = 200;
        await using MqttTestClient subscriber = await _broker.ConnectReaderAsync();
        await using MqttTestClient device = await _broker.ConnectAgentAsync();

        // Not awaited one by one: all of them are in flight at once.
        Task<MqttClientPublishResult>[] acks = [.. Enumerable.Range(1, count)
            .Select(ver => device.PublishAsync(AgentBroker.Topic, Readings.Datagram(_broker.Device, (ulong)ver)))];
        await Task.WhenAll(acks);

        Assert.All(acks, ack => Assert.Equal(MqttClientPublishReasonCode.Success, ack.Result.ReasonCode));
        long lastIndex = -1;
        for (ulong ver = 1; ver <= count; ver++)
        {
            MqttApplicationMessage received = subscriber.Receive();
            Assert.Equal(ver, VerOf(received));
            Assert.Equal("ok", Readings.Property(received, "tm-status"));
            lastIndex = long.Parse(Readings.Property(received, "tm-log-index"), CultureInfo.InvariantCulture);
        }
        // Every PUBACK came after its entry was durable: the last one's entry is readable from the log.
        byte[] entry = await _broker.Http.GetByteArrayAsync($"log/entries/{lastIndex}");
        Assert.True(TimeMark.EvidenceLog.LogEntry.TryParse(entry, out _, out _));
    }

    [Fact]
    public async Task Publish_Qos1WhileTheLogCannotCommit_NeitherAcknowledgedNorForwardedUntilItCommits()
    {
        await using MqttTestClient subscriber = await _broker.ConnectReaderAsync();
        await using MqttTestClient device = await _broker.ConnectAgentAsync();
        Assert.True(IsAccepted(await device.PublishAsync(AgentBroker.Topic, Readings.Datagram(_broker.Device, ver: 1))));
        Assert.Equal(1UL, VerOf(subscriber.Receive()));

        Task<MqttClientPublishResult> ack;
        // Another writer holds SQLite's write lock, so the broker's next commit waits (its busy timeout is 30 s).
        using (var blocker = new SqliteConnection($"Data Source={Path.Combine(_broker.DataDirectory, "log.db")}"))
        {
            blocker.Open();
            using SqliteTransaction writeLock = blocker.BeginTransaction(deferred: false);
            ack = device.PublishAsync(AgentBroker.Topic, Readings.Datagram(_broker.Device, ver: 2));
            await Task.Delay(TimeSpan.FromSeconds(1));

            Assert.False(ack.IsCompleted, "PUBACK sent before the entry was committed");
            Assert.False(subscriber.HasReceived, "forwarded before the entry was committed");
            writeLock.Rollback();
        }

        Assert.Equal(MqttClientPublishReasonCode.Success, (await ack).ReasonCode);
        Assert.Equal(2UL, VerOf(subscriber.Receive()));
    }

    [Fact]
    public async Task Publish_BadSignatureAmongQos1InFlight_OnlyItsOwnPubAckRefuses()
    {
        await using MqttTestClient subscriber = await _broker.ConnectReaderAsync();
        await using MqttTestClient device = await _broker.ConnectAgentAsync();
        using SigningKey impostor = SigningKey.Generate(KeyAlgorithm.EcdsaP256);

        Task<MqttClientPublishResult> first = device.PublishAsync(AgentBroker.Topic, Readings.Datagram(_broker.Device, ver: 1));
        Task<MqttClientPublishResult> forged = device.PublishAsync(AgentBroker.Topic, Readings.Datagram(impostor, ver: 2));
        Task<MqttClientPublishResult> third = device.PublishAsync(AgentBroker.Topic, Readings.Datagram(_broker.Device, ver: 3));

        Assert.Equal(MqttClientPublishReasonCode.Success, (await first).ReasonCode);
        MqttClientPublishResult refused = await forged;
        Assert.Equal(MqttClientPublishReasonCode.NotAuthorized, refused.ReasonCode);
        Assert.Contains("SIGN does not verify", refused.ReasonString, StringComparison.Ordinal);
        Assert.Equal(MqttClientPublishReasonCode.Success, (await third).ReasonCode);
        Assert.Equal(1UL, VerOf(subscriber.Receive()));
        Assert.Equal(3UL, VerOf(subscriber.Receive()));
    }

    [Fact]
    public async Task Publish_Qos1WithoutSubscriber_AcknowledgedAsNoMatchingSubscribers()
    {
        await using MqttTestClient device = await _broker.ConnectAgentAsync();

        MqttClientPublishResult ack = await device.PublishAsync(AgentBroker.Topic, Readings.Datagram(_broker.Device, ver: 1));

        Assert.Equal(MqttClientPublishReasonCode.NoMatchingSubscribers, ack.ReasonCode);
    }

    [Fact]
    public async Task Publish_Qos0Qos1Qos2Interleaved_DeliveredInPublishOrder()
    {
        MqttQualityOfServiceLevel[] levels =
        [
            MqttQualityOfServiceLevel.AtMostOnce, MqttQualityOfServiceLevel.AtLeastOnce, MqttQualityOfServiceLevel.ExactlyOnce,
            MqttQualityOfServiceLevel.AtLeastOnce, MqttQualityOfServiceLevel.AtMostOnce, MqttQualityOfServiceLevel.AtLeastOnce,
        ];
        await using MqttTestClient subscriber = await _broker.ConnectReaderAsync();
        await using MqttTestClient device = await _broker.ConnectAgentAsync();

        Task<MqttClientPublishResult>[] acks = [.. levels
            .Select((qos, i) => device.PublishAsync(AgentBroker.Topic, Readings.Datagram(_broker.Device, (ulong)i + 1), qos))];
        await Task.WhenAll(acks);

        Assert.All(acks, ack => Assert.True(IsAccepted(ack.Result), ack.Result.ReasonCode.ToString()));
        for (ulong ver = 1; ver <= (ulong)levels.Length; ver++)
            Assert.Equal(ver, VerOf(subscriber.Receive()));
    }
}
