using System.Buffers;
using System.Text;
using MQTTnet;
using MQTTnet.Formatter;
using TimeMark.Protocol.Datagrams;
using TimeMark.Protocol.Keys;

namespace TimeMark.Broker.Tests.Serving;

/// <summary>
/// Each bad case, over MQTT v5 and v3.1.1: not forwarded, its reason code where v5 has one,
/// counted in the metrics, and kept as a rejection record.
/// </summary>
public sealed class RejectionMatrixTests : IAsyncLifetime
{
    private readonly AgentBroker _broker = new();

    public async Task InitializeAsync() => await _broker.StartAsync();

    public async Task DisposeAsync() => await _broker.DisposeAsync();

    /// <summary>A datagram that already carries a mark (here by a key that is not the broker's).</summary>
    private static byte[] MarkedBy(SigningKey key, byte[] datagram)
    {
        Assert.True(DatagramReader.TryRead(datagram, out Datagram parsed, out _));
        return DatagramMarker.Mark(parsed, 1, 1, key);
    }

    public static TheoryData<string, MqttProtocolVersion> Cases()
    {
        var data = new TheoryData<string, MqttProtocolVersion>();
        foreach (string bad in new[] { "BadSignature", "MalformedDatagram", "Replay", "TopicNotAllowed", "PayloadTooLarge", "AlreadyMarked" })
        {
            data.Add(bad, MqttProtocolVersion.V500);
            data.Add(bad, MqttProtocolVersion.V311);
        }
        return data;
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public async Task Publish_BadCase_NotForwardedCountedAndRecorded(string reason, MqttProtocolVersion version)
    {
        await using MqttTestClient subscriber = await _broker.ConnectReaderAsync();
        await using MqttTestClient device = await _broker.ConnectAgentAsync(version);
        using SigningKey impostor = SigningKey.Generate(KeyAlgorithm.Ed25519);
        byte[] original = Readings.Datagram(_broker.Device, 1);
        if (reason == "Replay")
        {
            await device.PublishAsync(AgentBroker.Topic, original);
            subscriber.Receive();
        }

        var (topic, payload) = reason switch
        {
            "BadSignature" => (AgentBroker.Topic, Readings.Datagram(impostor, 1)),
            "MalformedDatagram" => (AgentBroker.Topic, Encoding.UTF8.GetBytes("{\"temp\": 21}")),
            "TopicNotAllowed" => ("braid/agent/agent-2/shadow/reported/", original),
            "PayloadTooLarge" => (AgentBroker.Topic, new byte[70_000]),
            "AlreadyMarked" => (AgentBroker.Topic, MarkedBy(impostor, original)),
            _ => (AgentBroker.Topic, original),
        };
        MqttClientPublishResult ack = await device.PublishAsync(topic, payload);
        // A good datagram after the bad one: the subscriber's next message must be this one.
        await device.PublishAsync(AgentBroker.Topic, Readings.Datagram(_broker.Device, 2));
        MqttApplicationMessage next = subscriber.Receive();

        Assert.True(DatagramReader.TryRead(next.Payload.ToArray(), out Datagram delivered, out _));
        Assert.Equal(2UL, delivered.Ver);
        if (version == MqttProtocolVersion.V500)
            Assert.True((int)ack.ReasonCode >= 0x80, $"{reason} was acknowledged with {ack.ReasonCode}");
        Assert.Contains($"timemark_messages_rejected_total{{reason=\"{reason}\"}} 1\n", await _broker.Http.GetStringAsync("metrics"));
        Assert.Contains($"\"reason\":\"{reason}\"", await _broker.Http.GetStringAsync("rejections"));
    }
}
