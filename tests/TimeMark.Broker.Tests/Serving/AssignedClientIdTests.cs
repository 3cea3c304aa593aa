using MQTTnet;
using MQTTnet.Formatter;
using TimeMark.Protocol.Keys;

namespace TimeMark.Broker.Tests.Serving;

/// <summary>
/// A zero-length client ID (MQTT v5 §3.1.3.1; MQTT 3.1.1 §3.1.3.1): a v5 client named by its username gets an ID assigned
/// in CONNACK and is served under it; a v3.1.1 client is told its identifier is rejected, as 3.1.1 allows.
/// </summary>
public sealed class AssignedClientIdTests : IAsyncLifetime, IDisposable
{
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

    [Fact]
    public async Task EmptyClientId_V5ListedClient_GetsAnAssignedIdNoAgentCanHaveAndIsServed()
    {
        var (etl, result) = await MqttTestClient.ConnectAsync(_broker.MqttPort, "", "etl");
        await using (etl)
        {
            Assert.Equal(MqttClientConnectResultCode.Success, result.ResultCode);
            Assert.Matches("^\\.[0-9a-f]{16}$", result.AssignedClientIdentifier);
            await etl.SubscribeAsync("braid/#");

            var (device, _) = await MqttTestClient.ConnectAsync(_broker.MqttPort, "agent-1");
            await using (device)
                await device.PublishAsync("braid/agent/agent-1/data", Readings.Datagram(_device, 1));

            Assert.Equal("ok", Readings.Property(etl.Receive(), "tm-status"));
        }
    }

    [Fact]
    public async Task EmptyClientId_PahoV5Client_ConnectsUnderTheAssignedId()
    {
        var (exit, printed) = await ChildProcess.RunAsync("/usr/bin/python3",
            Path.Combine(AppContext.BaseDirectory, "Serving", "paho_assigned_id.py"), _broker.MqttPort.ToString(), "etl");

        Assert.True(exit == 0, printed);
        Assert.Matches("^Success \\.[0-9a-f]{16}$", printed.Trim());
    }

    [Fact]
    public async Task EmptyClientId_TwoV5Clients_GetDifferentIds()
    {
        var (first, firstResult) = await MqttTestClient.ConnectAsync(_broker.MqttPort, "", "etl");
        var (second, secondResult) = await MqttTestClient.ConnectAsync(_broker.MqttPort, "", "etl");
        await using (first)
        await using (second)
        {
            Assert.Equal(MqttClientConnectResultCode.Success, secondResult.ResultCode);
            Assert.NotEqual(firstResult.AssignedClientIdentifier, secondResult.AssignedClientIdentifier);
        }
    }

    [Fact]
    public async Task EmptyClientId_V311_IsRefusedAsIdentifierRejected()
    {
        var (etl, result) = await MqttTestClient.ConnectAsync(_broker.MqttPort, "", "etl", MqttProtocolVersion.V311);
        await using (etl)
            Assert.Equal(MqttClientConnectResultCode.ClientIdentifierNotValid, result.ResultCode);
    }

    [Fact]
    public async Task EmptyClientId_WithoutAListedUsername_IsRefusedWithoutAnAssignedId()
    {
        var (stranger, result) = await MqttTestClient.ConnectAsync(_broker.MqttPort, "");
        await using (stranger)
        {
            // The broker refuses it (not authorised); MQTTnet then answers an empty ID that got no assignment with 0x85.
            Assert.Equal(MqttClientConnectResultCode.ClientIdentifierNotValid, result.ResultCode);
            Assert.Null(result.AssignedClientIdentifier);
        }
    }
}
