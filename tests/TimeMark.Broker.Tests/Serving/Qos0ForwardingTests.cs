using System.Buffers;
using System.Globalization;
using MQTTnet;
using MQTTnet.Protocol;
using TimeMark.Broker.Hosting;
using TimeMark.Broker.Pipeline;
using TimeMark.Protocol.Datagrams;
using TimeMark.Protocol.Keys;

namespace TimeMark.Broker.Tests.Serving;

/// <summary>
/// The default broker (DeviceVerification=Full) and its QoS 0 path: the hook does not hold a QoS 0 message
/// until the log is durable but injects it once durable, so these check that nothing changes for the reader:
/// order, marks, log entries, rejections.
/// </summary>
public sealed class Qos0ForwardingTests : IAsyncLifetime
{
    private readonly AgentBroker _broker = new();

    public async Task InitializeAsync() => await _broker.StartAsync();

    public async Task DisposeAsync() => await _broker.DisposeAsync();

    [Fact]
    public void DeviceVerification_Default_IsFull() => Assert.Equal(DeviceVerification.Full, new BrokerOptions().DeviceVerification);

    [Fact]
    public async Task Publish_BadSignatureByDefault_RejectedNotDeferred()
    {
        await using MqttTestClient device = await _broker.ConnectAgentAsync();
        using SigningKey impostor = SigningKey.Generate(KeyAlgorithm.EcdsaP256);

        MqttClientPublishResult ack = await device.PublishAsync(AgentBroker.Topic, Readings.Datagram(impostor, ver: 1));

        Assert.Equal(MqttClientPublishReasonCode.NotAuthorized, ack.ReasonCode);
        string metrics = await _broker.Http.GetStringAsync("metrics");
        Assert.Contains("timemark_deferred_verifications_total{verdict=\"good\"} 0\n", metrics);
        Assert.Contains("timemark_deferred_verifications_total{verdict=\"bad-signature\"} 0\n", metrics);
    }

    [Fact]
    public async Task Publish_ManyAtQos0_DeliveredInOrderEachMarkedAndInTheLog()
    {
        const int count = 300;
        await using MqttTestClient subscriber = await _broker.ConnectReaderAsync();
        await using MqttTestClient device = await _broker.ConnectAgentAsync();

        for (ulong ver = 1; ver <= count; ver++)
            await device.PublishAsync(AgentBroker.Topic, Readings.Datagram(_broker.Device, ver), MqttQualityOfServiceLevel.AtMostOnce);

        long lastIndex = -1;
        byte[] last = [];
        for (ulong ver = 1; ver <= count; ver++)
        {
            MqttApplicationMessage received = subscriber.Receive();
            last = received.Payload.ToArray();
            Assert.True(DatagramReader.TryRead(last, out Datagram marked, out _));
            Assert.Equal(ver, marked.Ver);
            Assert.Equal("ok", Readings.Property(received, "tm-status"));
            long index = long.Parse(Readings.Property(received, "tm-log-index"), CultureInfo.InvariantCulture);
            Assert.True(index > lastIndex, $"log index {index} after {lastIndex}");
            Assert.Equal((ulong)index, marked.LogIndex);
            lastIndex = index;
        }
        // Forwarded only once durable: the last one's entry is readable from the log.
        byte[] entry = await _broker.Http.GetByteArrayAsync($"log/entries/{lastIndex}");
        Assert.True(TimeMark.EvidenceLog.LogEntry.TryParse(entry, out TimeMark.EvidenceLog.LogEntry? parsed, out _));
        Assert.Equal(last, parsed!.Payload.ToArray());
    }

    [Fact]
    public async Task Publish_Qos0BadSignature_NotForwardedButRecorded()
    {
        await using MqttTestClient subscriber = await _broker.ConnectReaderAsync();
        await using MqttTestClient device = await _broker.ConnectAgentAsync();
        using SigningKey impostor = SigningKey.Generate(KeyAlgorithm.EcdsaP256);

        await device.PublishAsync(AgentBroker.Topic, Readings.Datagram(impostor, ver: 1), MqttQualityOfServiceLevel.AtMostOnce);
        await device.PublishAsync(AgentBroker.Topic, Readings.Datagram(_broker.Device, ver: 2), MqttQualityOfServiceLevel.AtMostOnce);

        Assert.True(DatagramReader.TryRead(subscriber.Receive().Payload.ToArray(), out Datagram first, out _));
        Assert.Equal(2UL, first.Ver);
        Assert.Contains("timemark_messages_rejected_total{reason=\"BadSignature\"} 1\n", await _broker.Http.GetStringAsync("metrics"));
    }
}
