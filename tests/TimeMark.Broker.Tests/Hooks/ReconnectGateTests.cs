using System.Collections;
using Microsoft.Extensions.Logging.Abstractions;
using MQTTnet.Packets;
using MQTTnet.Server;
using TimeMark.Broker.Hooks;

namespace TimeMark.Broker.Tests.Hooks;

public sealed class ReconnectGateTests
{
    private readonly ReconnectGate _gate = new(NullLogger<ReconnectGate>.Instance);

    [Fact]
    public Task Connect_WithNoEarlierConnection_PassesAtOnce() => PassesAtOnceAsync("agent-1");

    [Fact]
    public async Task Connect_WhileTheEarlierConnectionIsCleanedUp_WaitsUntilItIsReportedClosed()
    {
        Hashtable earlier = await ConnectAsync("agent-1");

        Task waiting = _gate.WaitForEarlierConnectionAsync("agent-1");
        Assert.False(waiting.IsCompleted);

        await DisconnectAsync("agent-1", earlier);
        await waiting.WaitAsync(TimeSpan.FromSeconds(5));
    }

    [Fact]
    public Task Connect_WithAnEmptyClientId_PassesAtOnce() => PassesAtOnceAsync("");

    [Fact]
    public async Task Connect_WithAnotherClientIdOpen_PassesAtOnce()
    {
        await ConnectAsync("agent-1");

        await PassesAtOnceAsync("agent-2");
    }

    [Fact]
    public async Task Connect_WhileTheEarlierConnectionStaysOpen_GoesOnAfterThePatienceToTakeTheSessionOver()
    {
        await ConnectAsync("agent-1");

        Task waiting = _gate.WaitForEarlierConnectionAsync("agent-1");

        // Completes, not fails: the CONNECT is validated as usual and MQTTnet takes the session over.
        await waiting.WaitAsync(ReconnectGate.Patience + TimeSpan.FromSeconds(5));
        Assert.True(waiting.IsCompletedSuccessfully);
    }

    [Fact]
    public async Task TakeOver_ReleasesWhatWaitedForTheConnectionTakenOver()
    {
        await ConnectAsync("agent-1");
        Task waiting = _gate.WaitForEarlierConnectionAsync("agent-1");

        await ConnectAsync("agent-1");

        await waiting.WaitAsync(TimeSpan.FromSeconds(5));
    }

    [Fact]
    public async Task CloseOfAnEarlierConnection_DoesNotReleaseTheGateOfTheLaterOne()
    {
        Hashtable earlier = await ConnectAsync("agent-1");
        await ConnectAsync("agent-1");

        await DisconnectAsync("agent-1", earlier);
        Task waiting = _gate.WaitForEarlierConnectionAsync("agent-1");

        Assert.False(waiting.IsCompleted);
    }

    [Fact]
    public async Task Connect_AfterTheEarlierConnectionWasReportedClosed_PassesAtOnce()
    {
        Hashtable earlier = await ConnectAsync("agent-1");
        await DisconnectAsync("agent-1", earlier);

        await PassesAtOnceAsync("agent-1");
    }

    private async Task PassesAtOnceAsync(string clientId)
    {
        Task waiting = _gate.WaitForEarlierConnectionAsync(clientId);
        Assert.True(waiting.IsCompletedSuccessfully);
        await waiting;
    }

    private async Task<Hashtable> ConnectAsync(string clientId)
    {
        var sessionItems = new Hashtable();
        await _gate.ConnectedAsync(new ClientConnectedEventArgs(Connect(clientId), MQTTnet.Formatter.MqttProtocolVersion.V500, null, sessionItems));
        return sessionItems;
    }

    private Task DisconnectAsync(string clientId, Hashtable sessionItems) =>
        _gate.DisconnectedAsync(new ClientDisconnectedEventArgs(Connect(clientId), new MqttDisconnectPacket(), MqttClientDisconnectType.Clean, null, sessionItems));

    private static MqttConnectPacket Connect(string clientId) => new() { ClientId = clientId };
}
