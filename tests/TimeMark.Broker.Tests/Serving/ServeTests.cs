using System.Buffers;
using System.Text;
using MQTTnet;
using MQTTnet.Protocol;
using TimeMark.EvidenceLog;
using TimeMark.Protocol.Datagrams;
using TimeMark.Protocol.Keys;
using TimeMark.Protocol.Verification;

namespace TimeMark.Broker.Tests.Serving;

/// <summary>The real `timemark serve` process, driven by MQTTnet clients over 127.0.0.1.</summary>
public sealed class ServeTests : IAsyncLifetime, IDisposable
{
    private const string Topic = "braid/agent/agent-1/shadow/reported/";
    private readonly BrokerProcess _broker = new();
    private SigningKey _device = null!;

    public async Task InitializeAsync()
    {
        _device = _broker.AddDevice("agent-1");
        _broker.WriteConfig("""{ "Access": [ { "Identity": "etl", "Subscribe": [ "braid/#", "plain/#" ] }, { "Identity": "sensor", "Publish": [ "plain/#" ] } ] }""");
        await _broker.StartAsync();
    }

    public async Task DisposeAsync() => await _broker.DisposeAsync();

    public void Dispose() => _device.Dispose();

    private static byte[] Datagram(SigningKey key, ulong ver, ulong ts = 0) =>
        DatagramWriter.Write(new DatagramContent
        {
            Ts = ts == 0 ? (ulong)DateTimeOffset.UtcNow.ToUnixTimeSeconds() : ts,
            Ver = ver,
            Action = 1,
            Body = new byte[] { 0xA1, 0x64, 0x74, 0x65, 0x6D, 0x70, 0x18, 0x15 }, // {"temp": 21}
        }, key, indefiniteLength: true);

    private static string Property(MqttApplicationMessage message, string name) =>
        Encoding.UTF8.GetString(message.UserProperties.Single(p => p.Name == name).ValueBuffer.Span);

    [Fact]
    public async Task Publish_SignedDatagramAtQos1_SubscriberGetsAMarkedRecordThatVerifiesOffline()
    {
        var (subscriber, _) = await MqttTestClient.ConnectAsync(_broker.MqttPort, "etl-1", "etl");
        await using var _s = subscriber;
        await subscriber.SubscribeAsync("braid/#");
        var (device, _) = await MqttTestClient.ConnectAsync(_broker.MqttPort, "agent-1");
        await using var _d = device;

        MqttClientPublishResult ack = await device.PublishAsync(Topic, Datagram(_device, ver: 1));
        MqttApplicationMessage received = subscriber.Receive();

        Assert.Equal(MqttClientPublishReasonCode.Success, ack.ReasonCode);
        Assert.Equal("application/cbor", received.ContentType);
        Assert.Equal("ok", Property(received, "tm-status"));
        byte[] record = received.Payload.ToArray();
        VerificationReport report = RecordVerifier.Verify(record, _device.PublicKey, await _broker.TimeMarkKeyAsync(), DateTimeOffset.UtcNow);
        Assert.True(report.Passed, string.Join("\n", report.Checks));
        Assert.True(DatagramReader.TryRead(record, out Datagram marked, out _));
        Assert.Equal(Property(received, "tm-log-index"), marked.LogIndex.ToString());
        Assert.Equal(Property(received, "tm-ingestion-time"), marked.IngestionTime.ToString());
    }

    [Fact]
    public async Task Publish_Marked_EntryIsServedWithTheForwardedBytes()
    {
        var (subscriber, _) = await MqttTestClient.ConnectAsync(_broker.MqttPort, "etl-1", "etl");
        await using var _s = subscriber;
        await subscriber.SubscribeAsync("braid/#");
        var (device, _) = await MqttTestClient.ConnectAsync(_broker.MqttPort, "agent-1");
        await using var _d = device;
        await device.PublishAsync(Topic, Datagram(_device, ver: 1));
        MqttApplicationMessage received = subscriber.Receive();

        byte[] entryBytes = await _broker.Http.GetByteArrayAsync($"log/entries/{Property(received, "tm-log-index")}");
        Assert.True(LogEntry.TryParse(entryBytes, out LogEntry? entry, out _));
        Assert.Equal(Topic, entry.Topic);
        Assert.Equal("agent-1", entry.Publisher);
        Assert.Equal(received.Payload.ToArray(), entry.Payload.ToArray());
    }

    [Fact]
    public async Task Publish_SameDatagramTwice_SecondIsRejectedAsReplayAndRecorded()
    {
        var (device, _) = await MqttTestClient.ConnectAsync(_broker.MqttPort, "agent-1");
        await using var _d = device;
        byte[] datagram = Datagram(_device, ver: 1);
        await device.PublishAsync(Topic, datagram);

        MqttClientPublishResult second = await device.PublishAsync(Topic, datagram);

        Assert.Equal(MqttClientPublishReasonCode.NotAuthorized, second.ReasonCode);
        string rejections = await _broker.Http.GetStringAsync("rejections");
        Assert.Contains("\"reason\":\"Replay\"", rejections);
        string metrics = await _broker.Http.GetStringAsync("metrics");
        Assert.Contains("timemark_messages_rejected_total{reason=\"Replay\"} 1\n", metrics);
        Assert.Contains("timemark_messages_marked_total{kind=\"datagram\"} 1\n", metrics);
    }

    [Fact]
    public async Task Publish_SignedWithAnotherKey_NotAuthorized()
    {
        var (device, _) = await MqttTestClient.ConnectAsync(_broker.MqttPort, "agent-1");
        await using var _d = device;
        using SigningKey impostor = SigningKey.Generate(KeyAlgorithm.EcdsaP256);

        MqttClientPublishResult ack = await device.PublishAsync(Topic, Datagram(impostor, ver: 1));

        Assert.Equal(MqttClientPublishReasonCode.NotAuthorized, ack.ReasonCode);
        Assert.StartsWith("SIGN does not verify", ack.ReasonString);
    }

    [Fact]
    public async Task Publish_NotCbor_PayloadFormatInvalid()
    {
        var (device, _) = await MqttTestClient.ConnectAsync(_broker.MqttPort, "agent-1");
        await using var _d = device;

        MqttClientPublishResult ack = await device.PublishAsync(Topic, Encoding.UTF8.GetBytes("{\"temp\": 21}"));

        Assert.Equal(MqttClientPublishReasonCode.PayloadFormatInvalid, ack.ReasonCode);
    }

    [Fact]
    public async Task Publish_OnAnotherAgentsTopic_NotAuthorized()
    {
        var (device, _) = await MqttTestClient.ConnectAsync(_broker.MqttPort, "agent-1");
        await using var _d = device;

        MqttClientPublishResult ack = await device.PublishAsync("braid/agent/agent-2/shadow/reported/", Datagram(_device, ver: 1));

        Assert.Equal(MqttClientPublishReasonCode.NotAuthorized, ack.ReasonCode);
    }

    [Fact]
    public async Task Publish_PayloadOverTheLimit_QuotaExceeded()
    {
        var (device, _) = await MqttTestClient.ConnectAsync(_broker.MqttPort, "agent-1");
        await using var _d = device;

        MqttClientPublishResult ack = await device.PublishAsync(Topic, new byte[70_000]);

        Assert.Equal(MqttClientPublishReasonCode.QuotaExceeded, ack.ReasonCode);
    }

    [Fact]
    public async Task Connect_UnknownClient_RefusedNotAuthorized()
    {
        var (client, result) = await MqttTestClient.ConnectAsync(_broker.MqttPort, "stranger");
        await using var _c = client;
        Assert.Equal(MqttClientConnectResultCode.NotAuthorized, result.ResultCode);
    }

    [Fact]
    public async Task Subscribe_AgentToOtherAgents_NotAuthorized()
    {
        var (device, _) = await MqttTestClient.ConnectAsync(_broker.MqttPort, "agent-1");
        await using var _d = device;

        MqttClientSubscribeResult result = await device.TrySubscribeAsync("braid/#");

        Assert.Equal(MqttClientSubscribeResultCode.NotAuthorized, result.Items.Single().ResultCode);
    }

    [Fact]
    public async Task Publish_PlainTopic_PayloadUntouchedAndTokenSignsTheServedEntry()
    {
        var (subscriber, _) = await MqttTestClient.ConnectAsync(_broker.MqttPort, "etl-1", "etl");
        await using var _s = subscriber;
        await subscriber.SubscribeAsync("plain/#");
        var (sensor, _) = await MqttTestClient.ConnectAsync(_broker.MqttPort, "sensor-1", "sensor");
        await using var _p = sensor;
        byte[] payload = Encoding.UTF8.GetBytes("21.5 C");

        await sensor.PublishAsync("plain/temperature", payload);
        MqttApplicationMessage received = subscriber.Receive();

        Assert.Equal(payload, received.Payload.ToArray());
        byte[] entry = await _broker.Http.GetByteArrayAsync($"log/entries/{Property(received, "tm-log-index")}");
        byte[] token = Convert.FromBase64String(Property(received, "tm-token"));
        Assert.True((await _broker.TimeMarkKeyAsync()).Verify(entry, token));
    }

    [Fact]
    public async Task Publish_ForgedMarkProperties_AreReplacedByTheBrokers()
    {
        var (subscriber, _) = await MqttTestClient.ConnectAsync(_broker.MqttPort, "etl-1", "etl");
        await using var _s = subscriber;
        await subscriber.SubscribeAsync("braid/#");
        var (device, _) = await MqttTestClient.ConnectAsync(_broker.MqttPort, "agent-1");
        await using var _d = device;

        await device.PublishAsync(Topic, Datagram(_device, ver: 1), userProperties: [("tm-status", "forged"), ("tm-log-index", "999999"), ("note", "kept")]);
        MqttApplicationMessage received = subscriber.Receive();

        Assert.Equal("ok", Property(received, "tm-status"));
        Assert.Equal("0", Property(received, "tm-log-index"));
        Assert.Equal("kept", Property(received, "note"));
    }

    [Fact]
    public async Task Devices_ClockFiveMinutesBehind_ShowsTheSkew()
    {
        var (device, _) = await MqttTestClient.ConnectAsync(_broker.MqttPort, "agent-1");
        await using var _d = device;
        ulong behind = (ulong)DateTimeOffset.UtcNow.AddSeconds(-300).ToUnixTimeSeconds();

        await device.PublishAsync(Topic, Datagram(_device, ver: 1, ts: behind));

        using var status = await _broker.GetJsonAsync("devices/agent-1");
        long skew = status.RootElement.GetProperty("clock_skew").GetProperty("last_ms").GetInt64();
        Assert.InRange(skew, 299_000, 330_000);
        Assert.Equal("seconds", status.RootElement.GetProperty("clock_skew").GetProperty("last_ts_unit").GetString());
        string metrics = await _broker.Http.GetStringAsync("metrics");
        Assert.Contains("timemark_device_clock_skew_seconds_bucket{le=\"60\"} 0\n", metrics);
        Assert.Contains("timemark_device_clock_skew_seconds_bucket{le=\"3600\"} 1\n", metrics);
    }

    [Fact]
    public async Task Stop_Sigterm_ExitsZeroWithAFinalCheckpointOfEveryEntry()
    {
        var (device, _) = await MqttTestClient.ConnectAsync(_broker.MqttPort, "agent-1");
        await using (device)
        {
            for (ulong ver = 1; ver <= 5; ver++)
                await device.PublishAsync(Topic, Datagram(_device, ver));
        }

        Assert.Equal(0, await _broker.StopAsync());
        Assert.Contains("evidence log closed at 5 entries with a final checkpoint", _broker.Output);
    }

    /// <summary>Polls GET /log/checkpoint until it covers <paramref name="size"/> entries (checkpoints come once a second).</summary>
    private async Task<Checkpoint> CheckpointCoveringAsync(long size)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        while (true)
        {
            Assert.True(SignedNote.TryParse(await _broker.Http.GetByteArrayAsync("log/checkpoint"), out SignedNote? note, out _));
            Assert.True(Checkpoint.TryParse(note.Text, out Checkpoint? checkpoint, out _));
            if (checkpoint.TreeSize >= size)
                return checkpoint;
            Assert.True(DateTime.UtcNow < deadline, $"no checkpoint of {size} entries in time");
            await Task.Delay(100);
        }
    }

    [Fact]
    public async Task VerifyWithBroker_ReceivedRecord_IsTheLogEntryAndIncludedInTheCheckpoint()
    {
        var (subscriber, _) = await MqttTestClient.ConnectAsync(_broker.MqttPort, "etl-1", "etl");
        await using var _s = subscriber;
        await subscriber.SubscribeAsync("braid/#");
        var (device, _) = await MqttTestClient.ConnectAsync(_broker.MqttPort, "agent-1");
        await using var _d = device;
        for (ulong ver = 1; ver <= 3; ver++)
            await device.PublishAsync(Topic, Datagram(_device, ver));
        subscriber.Receive();
        byte[] record = subscriber.Receive().Payload.ToArray();
        await File.WriteAllBytesAsync(Path.Combine(_broker.Root, "record.cbor"), record);
        await CheckpointCoveringAsync(3);

        var (exit, output) = await _broker.RunCliAsync("verify", "record.cbor", "--device-key", "devices/agent-1.pem", "--broker", $"http://127.0.0.1:{_broker.HttpPort}/");

        Assert.True(exit == 0, output);
        Assert.Contains("ok       log-entry: entry 1 holds this record", output);
        Assert.Contains("ok       log-inclusion: entry 1 is in the tree of 3", output);
    }

    [Fact]
    public async Task VerifyWithBroker_RecordAlteredAfterMarking_FailsTheLogEntry()
    {
        var (subscriber, _) = await MqttTestClient.ConnectAsync(_broker.MqttPort, "etl-1", "etl");
        await using var _s = subscriber;
        await subscriber.SubscribeAsync("braid/#");
        var (device, _) = await MqttTestClient.ConnectAsync(_broker.MqttPort, "agent-1");
        await using var _d = device;
        await device.PublishAsync(Topic, Datagram(_device, 1));
        byte[] record = subscriber.Receive().Payload.ToArray();
        record[^3] ^= 1; // inside VERIFICATION_TOKEN
        await File.WriteAllBytesAsync(Path.Combine(_broker.Root, "record.cbor"), record);
        await CheckpointCoveringAsync(1);

        var (exit, output) = await _broker.RunCliAsync("verify", "record.cbor", "--device-key", "devices/agent-1.pem", "--broker", $"http://127.0.0.1:{_broker.HttpPort}/");

        Assert.Equal(1, exit);
        Assert.Contains("FAILED   log-entry: entry 0 does not hold this record", output);
    }

    [Fact]
    public async Task Tiles_HashTileAndEntryBundle_MatchTheServedEntries()
    {
        var (device, _) = await MqttTestClient.ConnectAsync(_broker.MqttPort, "agent-1");
        await using (device)
        {
            for (ulong ver = 1; ver <= 3; ver++)
                await device.PublishAsync(Topic, Datagram(_device, ver));
        }
        await CheckpointCoveringAsync(3);

        byte[] tile = await _broker.Http.GetByteArrayAsync("log/tile/0/000.p/3");
        byte[] bundle = await _broker.Http.GetByteArrayAsync("log/tile/entries/000.p/3");

        Assert.True(EntryBundle.TryParse(bundle, 3, out IReadOnlyList<ReadOnlyMemory<byte>>? entries, out _));
        for (int i = 0; i < 3; i++)
        {
            byte[] entry = await _broker.Http.GetByteArrayAsync($"log/entries/{i}");
            Assert.Equal(entry, entries[i].ToArray());
            Assert.Equal(MerkleHash.Leaf(entry).AsSpan().ToArray(), tile.AsSpan(i * 32, 32).ToArray());
        }
        Assert.Equal(System.Net.HttpStatusCode.NotFound, (await _broker.Http.GetAsync("log/tile/0/000")).StatusCode);
    }

    [Fact]
    public async Task Build_DevelopmentBuild_SaysSoAndIsNotVerified()
    {
        using var build = await _broker.GetJsonAsync("build");
        Assert.False(build.RootElement.GetProperty("verified").GetBoolean());
        Assert.Equal(System.Text.Json.JsonValueKind.Null, build.RootElement.GetProperty("binary_hash").ValueKind);
        Assert.StartsWith("development build", build.RootElement.GetProperty("status").GetString());
    }
}
