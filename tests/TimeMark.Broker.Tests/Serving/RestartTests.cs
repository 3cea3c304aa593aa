using System.Collections.Concurrent;
using System.Text;
using System.Text.Json;
using MQTTnet;
using TimeMark.EvidenceLog;
using TimeMark.Protocol.Datagrams;
using TimeMark.Protocol.Keys;
using TimeMark.Protocol.Verification;

namespace TimeMark.Broker.Tests.Serving;

/// <summary>What survives a restart of the real broker: a clean stop, and SIGKILL under load.</summary>
public sealed class RestartTests : IAsyncLifetime, IDisposable
{
    private const string Topic = "braid/agent/agent-1/shadow/reported/";
    private readonly BrokerProcess _broker = new();
    private SigningKey _device = null!;

    public async Task InitializeAsync()
    {
        _device = _broker.AddDevice("agent-1");
        await _broker.StartAsync();
    }

    public async Task DisposeAsync() => await _broker.DisposeAsync();

    public void Dispose() => _device.Dispose();

    /// <summary>Reason codes below 0x80 are successes (MQTT v5 §2.4); 0x10 means no subscriber matched.</summary>
    private static bool IsAccepted(MqttClientPublishResult ack) => (int)ack.ReasonCode < 0x80;

    private async Task<SignedNote> CheckpointAsync()
    {
        Assert.True(SignedNote.TryParse(await _broker.Http.GetByteArrayAsync("log/checkpoint"), out SignedNote? note, out _));
        using JsonDocument keys = await _broker.GetJsonAsync("keys");
        Assert.True(NoteVerifier.TryParse(keys.RootElement.GetProperty("log_verifier_key").GetString()!, out NoteVerifier? verifier, out _));
        Assert.True(note.Verify([verifier]));
        return note;
    }

    private static Checkpoint Parse(SignedNote note)
    {
        Assert.True(Checkpoint.TryParse(note.Text, out Checkpoint? checkpoint, out _));
        return checkpoint;
    }

    private async Task PublishAsync(int count, ulong firstVer)
    {
        var (device, _) = await MqttTestClient.ConnectAsync(_broker.MqttPort, "agent-1");
        await using (device)
        {
            for (ulong ver = firstVer; ver < firstVer + (ulong)count; ver++)
                Assert.True(IsAccepted(await device.PublishAsync(Topic, Readings.Datagram(_device, ver))));
        }
    }

    [Fact]
    public async Task Restart_AfterCleanStop_SameKeysAndTheLogContinuesConsistently()
    {
        await PublishAsync(3, firstVer: 1);
        VerifyingKey keyBefore = await _broker.TimeMarkKeyAsync();
        Assert.Equal(0, await _broker.StopAsync());

        await _broker.StartAsync();
        Checkpoint before = Parse(await CheckpointAsync());
        await PublishAsync(3, firstVer: 4);
        await _broker.StopAsync();

        using (SigningKey keyAfter = KeyFile.ReadSigningKey(Path.Combine(_broker.DataDirectory, "timemark.key")))
            Assert.Equal(keyBefore.Id, keyAfter.PublicKey.Id);
        using var store = await SqliteLogStore.OpenAsync(Path.Combine(_broker.DataDirectory, "log.db"));
        Assert.Equal(6, store.TreeSize);
        Assert.Equal(3, before.TreeSize);
        ConsistencyProof proof = await store.ProveConsistencyAsync(3, 6);
        Hash newRoot = await store.ReadTreeHashAsync(6);
        Assert.True(ConsistencyProof.Verify(3, 6, proof.Path.AsSpan(), before.RootHash, newRoot));
    }

    [Fact]
    public async Task Restart_AfterCleanStop_RejectionRecordsAreStillListed()
    {
        using SigningKey impostor = SigningKey.Generate(KeyAlgorithm.EcdsaP256);
        var (device, _) = await MqttTestClient.ConnectAsync(_broker.MqttPort, "agent-1");
        await using (device)
            Assert.Equal(MqttClientPublishReasonCode.NotAuthorized, (await device.PublishAsync(Topic, Readings.Datagram(impostor, ver: 1))).ReasonCode);
        Assert.Equal(0, await _broker.StopAsync());

        await _broker.StartAsync();

        using JsonDocument rejections = await _broker.GetJsonAsync("rejections");
        JsonElement record = Assert.Single(rejections.RootElement.EnumerateArray());
        Assert.Equal("BadSignature", record.GetProperty("reason").GetString());
        Assert.Equal("agent-1", record.GetProperty("publisher").GetString());
        Assert.Equal(Topic, record.GetProperty("topic").GetString());
    }

    [Fact]
    public async Task Kill9_UnderPipelinedQos1Load_EveryAcknowledgedMessageIsInTheLogAndVerifies()
    {
        // Up to 32 PUBLISHes in flight on the connection: the broker pipelines them, so PUBACKs held back until
        // durable are what this checks, not one message at a time.
        const int window = 32;
        var acknowledged = new ConcurrentBag<ulong>();
        using var stop = new CancellationTokenSource();
        using var inFlight = new SemaphoreSlim(window, window);
        var (device, _) = await MqttTestClient.ConnectAsync(_broker.MqttPort, "agent-1");
        Task publishing = Task.Run(async () =>
        {
            var pending = new List<Task>();
            try
            {
                for (ulong ver = 1; ; ver++)
                {
                    await inFlight.WaitAsync(stop.Token);
                    ulong sent = ver;
                    pending.Add(device.PublishAsync(Topic, Readings.Datagram(_device, sent)).ContinueWith(ack =>
                    {
                        if (ack.IsCompletedSuccessfully && IsAccepted(ack.Result))
                            acknowledged.Add(sent);
                        inFlight.Release();
                    }, TaskScheduler.Default));
                }
            }
            catch (Exception e) when (e is MQTTnet.Exceptions.MqttCommunicationException or OperationCanceledException or InvalidOperationException)
            {
                // the broker died under us: that is the point
            }
            await Task.WhenAll(pending);
        });

        // Kill once a good number of messages went through, at whatever moment that is.
        SpinWait.SpinUntil(() => acknowledged.Count >= 200 || publishing.IsCompleted, TimeSpan.FromSeconds(60));
        await _broker.KillAsync();
        stop.Cancel();
        await publishing;
        await device.DisposeAsync();
        Assert.True(acknowledged.Count >= 200, $"only {acknowledged.Count} acknowledged before the kill");

        await _broker.StartAsync();
        VerifyingKey brokerKey = await _broker.TimeMarkKeyAsync();
        Checkpoint checkpoint = Parse(await CheckpointAsync());
        var logged = new HashSet<ulong>();
        for (long index = 0; index < checkpoint.TreeSize; index++)
        {
            byte[] entryBytes = await _broker.Http.GetByteArrayAsync($"log/entries/{index}");
            Assert.True(LogEntry.TryParse(entryBytes, out LogEntry? entry, out _));
            VerificationReport report = RecordVerifier.Verify(entry.Payload, _device.PublicKey, brokerKey, DateTimeOffset.UtcNow);
            Assert.True(report.Passed, $"entry {index}: {string.Join("; ", report.Checks)}");
            Assert.True(DatagramReader.TryRead(entry.Payload, out Datagram record, out _));
            Assert.Equal((ulong)index, record.LogIndex);
            logged.Add(record.Ver!.Value);
        }
        ulong[] missing = [.. acknowledged.Where(ver => !logged.Contains(ver))];
        Assert.True(missing.Length == 0, $"acknowledged but not in the log: VER {string.Join(", ", missing)}");
    }

    [Fact]
    public async Task Restart_DatagramMarkedBefore_IsStillRefusedAsAReplay()
    {
        byte[] datagram = Readings.Datagram(_device, ver: 1);
        var (device, _) = await MqttTestClient.ConnectAsync(_broker.MqttPort, "agent-1");
        await using (device)
            Assert.True(IsAccepted(await device.PublishAsync(Topic, datagram)));
        Assert.Equal(0, await _broker.StopAsync());

        await _broker.StartAsync();
        var (again, _) = await MqttTestClient.ConnectAsync(_broker.MqttPort, "agent-1");
        await using (again)
        {
            MqttClientPublishResult replay = await again.PublishAsync(Topic, datagram);
            Assert.Equal(MqttClientPublishReasonCode.NotAuthorized, replay.ReasonCode);
            Assert.True(IsAccepted(await again.PublishAsync(Topic, Readings.Datagram(_device, ver: 2))));
        }
        using var status = await _broker.GetJsonAsync("devices/agent-1");
        Assert.Equal(0, status.RootElement.GetProperty("ver_gaps").GetInt64());
    }
}
