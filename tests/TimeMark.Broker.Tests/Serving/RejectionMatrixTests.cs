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
public sealed class RejectionMatrixTests : IAsyncLifetime, IDisposable
{
    private const string Topic = "braid/agent/agent-1/shadow/reported/";
    private readonly BrokerProcess _broker = new();
    private SigningKey _device = null!;

    public async Task InitializeAsync()
    {
        _device = _broker.AddDevice("agent-1");
        _broker.WriteConfig("""{ "Access": [ { "Identity": "etl", "Subscribe": [ "braid/#" ] } ] }""");
        await _broker.StartAsync();
    }

    public async Task DisposeAsync() => await _broker.DisposeAsync();

    public void Dispose() => _device.Dispose();

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
        var (subscriber, _) = await MqttTestClient.ConnectAsync(_broker.MqttPort, "etl-1", "etl");
        await using var _s = subscriber;
        await subscriber.SubscribeAsync("braid/#");
        var (device, _) = await MqttTestClient.ConnectAsync(_broker.MqttPort, "agent-1", version: version);
        await using var _d = device;
        using SigningKey impostor = SigningKey.Generate(KeyAlgorithm.Ed25519);
        byte[] original = Readings.Datagram(_device, 1);
        if (reason == "Replay")
        {
            await device.PublishAsync(Topic, original);
            subscriber.Receive();
        }

        var (topic, payload) = reason switch
        {
            "BadSignature" => (Topic, Readings.Datagram(impostor, 1)),
            "MalformedDatagram" => (Topic, Encoding.UTF8.GetBytes("{\"temp\": 21}")),
            "TopicNotAllowed" => ("braid/agent/agent-2/shadow/reported/", original),
            "PayloadTooLarge" => (Topic, new byte[70_000]),
            "AlreadyMarked" => (Topic, MarkedBy(impostor, original)),
            _ => (Topic, original),
        };
        MqttClientPublishResult ack = await device.PublishAsync(topic, payload);
        // A good datagram after the bad one: the subscriber's next message must be this one.
        await device.PublishAsync(Topic, Readings.Datagram(_device, 2));
        MqttApplicationMessage next = subscriber.Receive();

        Assert.True(DatagramReader.TryRead(next.Payload.ToArray(), out Datagram delivered, out _));
        Assert.Equal(2UL, delivered.Ver);
        if (version == MqttProtocolVersion.V500)
            Assert.True((int)ack.ReasonCode >= 0x80, $"{reason} was acknowledged with {ack.ReasonCode}");
        Assert.Contains($"timemark_messages_rejected_total{{reason=\"{reason}\"}} 1\n", await _broker.Http.GetStringAsync("metrics"));
        Assert.Contains($"\"reason\":\"{reason}\"", await _broker.Http.GetStringAsync("rejections"));
    }
}
