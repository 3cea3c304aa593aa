using System.Buffers;
using System.Text.Json;
using MQTTnet;
using TimeMark.Protocol.Datagrams;
using TimeMark.Protocol.Keys;

namespace TimeMark.Broker.Tests.Serving;

/// <summary>
/// DeviceVerification=Deferred: datagrams are marked, logged and forwarded before SIGN is checked; the check
/// runs afterwards, and a bad SIGN is counted and recorded, though the message has already gone out.
/// </summary>
public sealed class DeferredVerificationTests : IAsyncLifetime, IDisposable
{
    private const string Topic = "braid/agent/agent-1/shadow/reported/";
    private readonly BrokerProcess _broker = new();
    private SigningKey _device = null!;

    public async Task InitializeAsync()
    {
        _device = _broker.AddDevice("agent-1");
        _broker.WriteConfig("""{ "DeviceVerification": "Deferred", "Access": [ { "Identity": "etl", "Subscribe": [ "braid/#" ] } ] }""");
        await _broker.StartAsync();
    }

    public async Task DisposeAsync() => await _broker.DisposeAsync();

    public void Dispose() => _device.Dispose();

    private static byte[] Datagram(SigningKey key, ulong ver) => DatagramWriter.Write(new DatagramContent
    {
        Ts = (ulong)DateTimeOffset.UtcNow.ToUnixTimeSeconds(), Ver = ver, Action = 1, Body = new byte[] { 0xA0 },
    }, key, indefiniteLength: true);

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

    /// <summary>Polls GET /metrics until the series has <paramref name="value"/>: the deferred check runs after the PUBACK.</summary>
    private async Task WaitForMetricAsync(string series, long value)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(20);
        string line = "";
        while (DateTime.UtcNow < deadline)
        {
            string metrics = await _broker.Http.GetStringAsync("metrics");
            line = metrics.Split('\n').SingleOrDefault(l => l.StartsWith(series + " ", StringComparison.Ordinal)) ?? "";
            if (line == $"{series} {value}")
                return;
            await Task.Delay(100);
        }
        Assert.Fail($"{series} is \"{line}\", not {value}, after 20 s");
    }

    [Fact]
    public async Task Publish_BadSignature_ForwardedAsSignDeferredThenCountedAndRecorded()
    {
        using SigningKey impostor = SigningKey.Generate(KeyAlgorithm.EcdsaP256);

        var (ack, received) = await PublishAndReceiveAsync(Datagram(impostor, ver: 1));

        // Forwarded and acknowledged: the check had not run yet.
        Assert.True((int)ack.ReasonCode < 0x80);
        Assert.Equal("sign-deferred", Readings.Property(received, "tm-status"));
        Assert.True(DatagramReader.TryRead(received.Payload.ToArray(), out Datagram marked, out _));
        Assert.True(DatagramVerifier.VerifyBrokerToken(marked, await _broker.TimeMarkKeyAsync()));
        // Then found bad: counted, and kept as a rejection record naming the log index it went out as.
        await WaitForMetricAsync("timemark_deferred_verifications_total{verdict=\"bad-signature\"}", 1);
        await WaitForMetricAsync("timemark_messages_rejected_total{reason=\"BadSignature\"}", 1);
        using JsonDocument rejections = JsonDocument.Parse(await _broker.Http.GetStringAsync("rejections"));
        string detail = rejections.RootElement.EnumerateArray().Single().GetProperty("detail").GetString()!;
        Assert.Contains($"already forwarded as log index {Readings.Property(received, "tm-log-index")}", detail);
    }

    [Fact]
    public async Task Publish_GoodSignature_ForwardedAsSignDeferredAndCountedGood()
    {
        var (ack, received) = await PublishAndReceiveAsync(Datagram(_device, ver: 1));

        Assert.True((int)ack.ReasonCode < 0x80);
        Assert.Equal("sign-deferred", Readings.Property(received, "tm-status"));
        await WaitForMetricAsync("timemark_deferred_verifications_total{verdict=\"good\"}", 1);
        await WaitForMetricAsync("timemark_deferred_verifications_total{verdict=\"bad-signature\"}", 0);
    }
}
