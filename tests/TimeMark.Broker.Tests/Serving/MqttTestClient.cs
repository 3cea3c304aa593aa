using System.Collections.Concurrent;
using MQTTnet;
using MQTTnet.Formatter;
using MQTTnet.Protocol;

namespace TimeMark.Broker.Tests.Serving;

/// <summary>An MQTTnet client that collects what it receives, for the serving tests.</summary>
internal sealed class MqttTestClient : IAsyncDisposable
{
    private static readonly TimeSpan ReceiveTimeout = TimeSpan.FromSeconds(20);

    private readonly IMqttClient _client = new MqttClientFactory().CreateMqttClient();
    private readonly BlockingCollection<MqttApplicationMessage> _received = [];

    private readonly MqttProtocolVersion _version;

    private MqttTestClient(MqttProtocolVersion version)
    {
        _version = version;
        _client.ApplicationMessageReceivedAsync += e =>
        {
            _received.Add(e.ApplicationMessage);
            return Task.CompletedTask;
        };
    }

    public static async Task<(MqttTestClient Client, MqttClientConnectResult Result)> ConnectAsync(
        int port, string clientId, string? userName = null, MqttProtocolVersion version = MqttProtocolVersion.V500)
    {
        var client = new MqttTestClient(version);
        var options = new MqttClientOptionsBuilder()
            .WithTcpServer("127.0.0.1", port)
            .WithClientId(clientId)
            .WithCredentials(userName, (string?)null)
            .WithProtocolVersion(version)
            .Build();
        // MQTTnet 5 returns a refused CONNACK as a result rather than throwing.
        MqttClientConnectResult result = await client._client.ConnectAsync(options);
        return (client, result);
    }

    public async Task SubscribeAsync(string filter) =>
        await _client.SubscribeAsync(new MqttClientSubscribeOptionsBuilder().WithTopicFilter(filter, MqttQualityOfServiceLevel.AtLeastOnce).Build());

    public async Task<MqttClientSubscribeResult> TrySubscribeAsync(string filter) =>
        await _client.SubscribeAsync(new MqttClientSubscribeOptionsBuilder().WithTopicFilter(filter, MqttQualityOfServiceLevel.AtLeastOnce).Build());

    public Task<MqttClientPublishResult> PublishAsync(string topic, byte[] payload, MqttQualityOfServiceLevel qos = MqttQualityOfServiceLevel.AtLeastOnce,
        bool retain = false, params (string Name, string Value)[] userProperties)
    {
        MqttApplicationMessageBuilder message = new MqttApplicationMessageBuilder()
            .WithTopic(topic)
            .WithPayload(payload)
            .WithQualityOfServiceLevel(qos)
            .WithRetainFlag(retain);
        if (_version == MqttProtocolVersion.V500)
            message.WithContentType("application/cbor"); // MQTT 3.1.1 has no content type
        foreach (var (name, value) in userProperties)
            message.WithUserProperty(name, System.Text.Encoding.UTF8.GetBytes(value));
        return _client.PublishAsync(message.Build());
    }

    /// <summary>Publishes at QoS 1 with the DUP flag set, as a client resends a PUBLISH whose PUBACK it did not get.</summary>
    public Task<MqttClientPublishResult> ResendAsync(string topic, byte[] payload)
    {
        MqttApplicationMessage message = new MqttApplicationMessageBuilder()
            .WithTopic(topic)
            .WithPayload(payload)
            .WithQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce)
            .WithContentType("application/cbor")
            .Build();
        message.Dup = true;
        return _client.PublishAsync(message);
    }

    /// <summary>The next message received, waiting on the client's own delivery; fails the test after a long timeout.</summary>
    public MqttApplicationMessage Receive()
    {
        Assert.True(_received.TryTake(out MqttApplicationMessage? message, ReceiveTimeout), "no message arrived");
        return message!;
    }

    /// <summary>Whether a message arrived that <see cref="Receive"/> has not taken yet.</summary>
    public bool HasReceived => _received.Count > 0;

    public async ValueTask DisposeAsync()
    {
        if (_client.IsConnected)
            await _client.DisconnectAsync();
        _client.Dispose();
        _received.Dispose();
    }
}
