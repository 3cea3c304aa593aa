using MQTTnet;
using TimeMark.Protocol.Keys;

namespace TimeMark.Broker.Tests.Serving;

/// <summary>
/// A device that disconnects and connects again at once, with the same client ID, keeps its new connection. MQTTnet 5.2
/// cleans up a closed connection by client ID and could stop a new connection registered in the middle of that cleanup;
/// the broker's ReconnectGate holds the new CONNECT until the cleanup is reported done. The window is a few instructions
/// wide, so this test makes the race likely rather than certain; ReconnectGateTests pin the gate's rules one by one.
/// </summary>
public sealed class ReconnectTests : IAsyncLifetime
{
    private const int Agents = 6;
    private const int ReconnectsEach = 60;

    private readonly BrokerProcess _broker = new();
    private readonly SigningKey[] _keys = new SigningKey[Agents];

    public async Task InitializeAsync()
    {
        for (int i = 0; i < Agents; i++)
            _keys[i] = _broker.AddDevice($"agent-{i + 1}");
        await _broker.StartAsync();
    }

    public async Task DisposeAsync()
    {
        await _broker.DisposeAsync();
        foreach (SigningKey key in _keys)
            key.Dispose();
    }

    // The race needs the old connection's cleanup to be preempted at the wrong moment: several agents at once make that likely.
    [Fact]
    public async Task Reconnect_RightAfterACleanDisconnect_EveryNewConnectionIsServed()
    {
        await Task.WhenAll(Enumerable.Range(0, Agents).Select(i => Task.Run(async () =>
        {
            string agent = $"agent-{i + 1}";
            for (ulong ver = 1; ver <= ReconnectsEach; ver++)
            {
                // Disposing disconnects (DISCONNECT, then the socket closes); the next connection follows without a pause.
                var (device, _) = await MqttTestClient.ConnectAsync(_broker.MqttPort, agent);
                await using (device)
                {
                    MqttClientPublishResult ack = await device.PublishAsync($"braid/agent/{agent}/data", Readings.Datagram(_keys[i], ver));
                    Assert.True((int)ack.ReasonCode < 0x80, $"{agent} VER {ver}: {ack.ReasonCode} {ack.ReasonString}");
                }
            }
        })));
    }
}
