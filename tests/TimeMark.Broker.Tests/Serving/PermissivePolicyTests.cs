using System.Buffers;
using System.Text;
using MQTTnet;
using TimeMark.Protocol.Datagrams;
using TimeMark.Protocol.Keys;

namespace TimeMark.Broker.Tests.Serving;

/// <summary>--policy permissive: what fails a check is still marked, logged and forwarded, with tm-status naming the failure.</summary>
public sealed class PermissivePolicyTests : IAsyncLifetime, IDisposable
{
    private const string Topic = "braid/agent/agent-1/shadow/reported/";
    private readonly BrokerProcess _broker = new();
    private SigningKey _device = null!;

    public async Task InitializeAsync()
    {
        _device = _broker.AddDevice("agent-1");
        _broker.WriteConfig("""{ "Access": [ { "Identity": "etl", "Subscribe": [ "braid/#" ] } ] }""");
        await _broker.StartAsync("--policy", "permissive");
    }

    public async Task DisposeAsync() => await _broker.DisposeAsync();

    public void Dispose() => _device.Dispose();

    private async Task<(MqttClientPublishResult Ack, MqttApplicationMessage Received)> PublishAndReceiveAsync(byte[] payload)
    {
        var (subscriber, _) = await MqttTestClient.ConnectAsync(_broker.MqttPort, "etl-1", "etl");
        await using var _s = subscriber;
        await subscriber.SubscribeAsync("braid/#");
        var (device, _) = await MqttTestClient.ConnectAsync(_broker.MqttPort, "agent-1");
        await using var _d = device;
        MqttClientPublishResult ack = await device.PublishAsync(Topic, payload);
        return (ack, subscriber.Receive());
    }

    [Fact]
    public async Task Publish_BadSignature_MarkedAndForwardedWithStatus()
    {
        using SigningKey impostor = SigningKey.Generate(KeyAlgorithm.EcdsaP256);
        byte[] datagram = DatagramWriter.Write(new DatagramContent
        {
            Ts = (ulong)DateTimeOffset.UtcNow.ToUnixTimeSeconds(), Ver = 1, Action = 1, Body = new byte[] { 0xA0 },
        }, impostor, indefiniteLength: true);

        var (ack, received) = await PublishAndReceiveAsync(datagram);

        Assert.True((int)ack.ReasonCode < 0x80);
        Assert.Equal("bad-signature", Readings.Property(received, "tm-status"));
        Assert.True(DatagramReader.TryRead(received.Payload.ToArray(), out Datagram marked, out _));
        Assert.True(DatagramVerifier.VerifyBrokerToken(marked, await _broker.TimeMarkKeyAsync()));
        Assert.False(DatagramVerifier.VerifyDeviceSignature(marked, _device.PublicKey));
    }

    [Fact]
    public async Task Publish_NotADatagram_ForwardedUntouchedWithTokenAndStatus()
    {
        byte[] payload = Encoding.UTF8.GetBytes("{\"temp\": 21}");

        var (_, received) = await PublishAndReceiveAsync(payload);

        Assert.Equal(payload, received.Payload.ToArray());
        Assert.Equal("malformed-datagram", Readings.Property(received, "tm-status"));
        byte[] entry = await _broker.Http.GetByteArrayAsync($"log/entries/{Readings.Property(received, "tm-log-index")}");
        Assert.True((await _broker.TimeMarkKeyAsync()).Verify(entry, Convert.FromBase64String(Readings.Property(received, "tm-token"))));
    }
}
