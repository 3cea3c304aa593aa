using System.Net;
using System.Net.Sockets;
using TimeMark.Broker.Transport;
using TimeMark.Protocol.Keys;

namespace TimeMark.Broker.Tests.Serving;

/// <summary>
/// More connections than the open-file limit allows: the broker closes the extra ones at once, keeps running
/// (without the cap the .NET runtime itself ran out of descriptors and stopped), and accepts again when they go.
/// </summary>
public sealed class ConnectionCapacityTests : IAsyncLifetime
{
    private const int Limit = 700;
    private static readonly int Capacity = OpenFileLimit.ConnectionCapacity(Limit);

    private readonly BrokerProcess _broker = new() { OpenFileLimit = Limit };
    private SigningKey _device = null!;

    public async Task InitializeAsync()
    {
        _device = _broker.AddDevice("agent-1");
        await _broker.StartAsync();
    }

    public async Task DisposeAsync()
    {
        await _broker.DisposeAsync();
        _device.Dispose();
    }

    [Fact]
    public async Task Connect_BeyondTheOpenFileLimit_ExtraClosed_BrokerLives_AndAcceptsOnceTheyGo()
    {
        var sockets = new List<Socket>();
        try
        {
            // More than the whole limit: without the cap the broker would run out of descriptors.
            for (int i = 0; i < Limit + 100; i++)
            {
                var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
                sockets.Add(socket);
                await socket.ConnectAsync(IPAddress.Loopback, _broker.MqttPort);
            }

            await WaitForAsync(() => _broker.Output.Contains($"holds {Capacity} connections", StringComparison.Ordinal));
            Assert.DoesNotContain("Out of memory", _broker.Output, StringComparison.Ordinal);
        }
        finally
        {
            foreach (Socket socket in sockets)
                socket.Dispose();
        }

        // The broker notices the closed sockets when it reads from them; until then a new client may be refused.
        await WaitForAsync(async () =>
        {
            try
            {
                var (client, _) = await MqttTestClient.ConnectAsync(_broker.MqttPort, "agent-1");
                await using (client)
                    return (int)(await client.PublishAsync("braid/agent/agent-1/shadow/reported/", Readings.Datagram(_device, 1))).ReasonCode < 0x80;
            }
            catch (Exception e) when (e is MQTTnet.Exceptions.MqttCommunicationException or OperationCanceledException)
            {
                return false;
            }
        });
    }

    private static Task WaitForAsync(Func<bool> condition) => WaitForAsync(() => Task.FromResult(condition()));

    private static async Task WaitForAsync(Func<Task<bool>> condition)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        while (!await condition())
        {
            Assert.True(DateTime.UtcNow < deadline, "the broker did not get there in 30 s");
            await Task.Delay(200);
        }
    }
}
