using MQTTnet;
using MQTTnet.Formatter;
using TimeMark.Protocol.Keys;

namespace TimeMark.Broker.Tests.Serving;

/// <summary>
/// A broker with one registered agent, "agent-1", and a reader identity, "etl", allowed to subscribe to braid/#:
/// the set-up shared by the tests of what the broker does with one agent's publishes.
/// </summary>
internal sealed class AgentBroker : IAsyncDisposable
{
    /// <summary>The topic agent-1 reports on.</summary>
    public const string Topic = "braid/agent/agent-1/shadow/reported/";

    private readonly BrokerProcess _process = new();

    public AgentBroker() => Device = _process.AddDevice("agent-1");

    /// <summary>agent-1's private key: what signs its datagrams.</summary>
    public SigningKey Device { get; }

    public int MqttPort => _process.MqttPort;
    public string DataDirectory => _process.DataDirectory;
    public HttpClient Http => _process.Http;

    public Task<VerifyingKey> TimeMarkKeyAsync() => _process.TimeMarkKeyAsync();

    /// <summary>What the broker printed so far, stdout and stderr.</summary>
    public string Output => _process.Output;

    /// <summary>Sends SIGTERM and returns the exit code.</summary>
    public Task<int> StopAsync() => _process.StopAsync();

    /// <summary>Waits for the broker to stop on its own and returns the exit code.</summary>
    public Task<int> WaitForExitAsync() => _process.WaitForExitAsync();

    /// <summary>Writes timemark.json with the etl reader's access and starts the broker.</summary>
    /// <param name="settings">More top-level timemark.json properties, such as <c>"DeviceVerification": "Deferred"</c>.</param>
    /// <param name="flags">More serve flags, such as <c>--policy permissive</c>.</param>
    public async Task StartAsync(string? settings = null, params string[] flags)
    {
        string extra = settings is null ? "" : settings + ", ";
        _process.WriteConfig($$"""{ {{extra}}"Access": [ { "Identity": "etl", "Subscribe": [ "braid/#" ] } ] }""");
        await _process.StartAsync(flags);
    }

    /// <summary>Connects the reader "etl-1" as identity etl, subscribed to braid/#.</summary>
    public async Task<MqttTestClient> ConnectReaderAsync()
    {
        var (reader, _) = await MqttTestClient.ConnectAsync(MqttPort, "etl-1", "etl");
        try
        {
            await reader.SubscribeAsync("braid/#");
            return reader;
        }
        catch
        {
            await reader.DisposeAsync();
            throw;
        }
    }

    public async Task<MqttTestClient> ConnectAgentAsync(MqttProtocolVersion version = MqttProtocolVersion.V500)
    {
        var (agent, _) = await MqttTestClient.ConnectAsync(MqttPort, "agent-1", version: version);
        return agent;
    }

    /// <summary>agent-1 publishes <paramref name="payload"/> on <see cref="Topic"/>; returns its acknowledgement and what the reader got.</summary>
    public async Task<(MqttClientPublishResult Ack, MqttApplicationMessage Received)> PublishAndReceiveAsync(byte[] payload)
    {
        await using MqttTestClient reader = await ConnectReaderAsync();
        await using MqttTestClient agent = await ConnectAgentAsync();
        MqttClientPublishResult ack = await agent.PublishAsync(Topic, payload);
        return (ack, reader.Receive());
    }

    /// <summary>
    /// agent-1 publishes VER <paramref name="ver"/> into an evidence log that fails, under the default OnLogFailure (Stop):
    /// the message is refused (0x80), or its connection closes first as the broker stops; it is never acknowledged.
    /// </summary>
    public async Task PublishIntoAFailingLogAsync(ulong ver)
    {
        await using MqttTestClient device = await ConnectAgentAsync();
        Exception? closed = await Record.ExceptionAsync(async () => Assert.Equal(MqttClientPublishReasonCode.UnspecifiedError,
            (await device.PublishAsync(Topic, Readings.Datagram(Device, ver))).ReasonCode));
        Assert.False(closed is Xunit.Sdk.XunitException, closed?.Message);
    }

    public async ValueTask DisposeAsync()
    {
        await _process.DisposeAsync();
        Device.Dispose();
    }
}
