using System.Diagnostics;
using System.Text;
using MQTTnet;
using MQTTnet.Formatter;
using TimeMark.Protocol.Datagrams;
using TimeMark.Protocol.Keys;
using TimeMark.Protocol.Verification;

namespace TimeMark.Broker.Tests.Serving;

/// <summary>
/// `timemark serve` with MQTT clients none of us wrote: Debian's mosquitto_pub
/// and mosquitto_sub, and Python paho-mqtt with cbor2 (what BRAID's backend uses).
/// </summary>
public sealed class ExternalClientTests : IAsyncLifetime, IDisposable
{
    private const string Topic = "braid/agent/agent-1/shadow/reported/";
    private readonly BrokerProcess _broker = new();
    private SigningKey _device = null!;

    public async Task InitializeAsync()
    {
        _device = _broker.AddDevice("agent-1");
        _broker.WriteConfig("""{ "Access": [ { "Identity": "etl", "Subscribe": [ "#" ] }, { "Identity": "sensor", "Publish": [ "plain/#" ] } ] }""");
        await _broker.StartAsync();
    }

    public async Task DisposeAsync() => await _broker.DisposeAsync();

    public void Dispose() => _device.Dispose();

    /// <summary>mosquitto_sub for one message, and the lines it printed so far.</summary>
    private sealed record MosquittoSubscriber(Process Process, List<string> Lines) : IDisposable
    {
        public void Dispose() => Process.Dispose();
    }

    /// <summary>Starts mosquitto_sub for one message and waits until its subscription is in place.</summary>
    private async Task<MosquittoSubscriber> SubscribeWithMosquittoAsync(string version, string filter)
    {
        // stdbuf: mosquitto_sub's stdout to a pipe is block-buffered, which would hide the SUBACK line until it exits.
        var start = new ProcessStartInfo("stdbuf") { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (string arg in new[] { "-oL", "mosquitto_sub", "-h", "127.0.0.1", "-p", _broker.MqttPort.ToString(), "-V", version, "-i", $"etl-{version}", "-u", "etl",
                     "-t", filter, "-C", "1", "-W", "30", "-F", "%x", "-d" })
            start.ArgumentList.Add(arg);
        var subscriber = new MosquittoSubscriber(Process.Start(start)!, []);
        // -d prints the SUBACK before any message; a retained message may even come first. Wait for either, not for a time.
        while (await subscriber.Process.StandardOutput.ReadLineAsync() is string line)
        {
            subscriber.Lines.Add(line);
            if (line.Contains("received SUBACK", StringComparison.Ordinal) || line.Contains("received PUBLISH", StringComparison.Ordinal))
                return subscriber;
        }
        throw new InvalidOperationException("mosquitto_sub ended before subscribing: " + await subscriber.Process.StandardError.ReadToEndAsync());
    }

    /// <summary>The payload mosquitto_sub printed (-F %x) on the line after its "received PUBLISH" debug line.</summary>
    private static async Task<byte[]> ReceiveHexAsync(MosquittoSubscriber subscriber)
    {
        while (await subscriber.Process.StandardOutput.ReadLineAsync() is string line)
            subscriber.Lines.Add(line);
        await subscriber.Process.WaitForExitAsync();
        int publish = subscriber.Lines.FindIndex(line => line.Contains("received PUBLISH", StringComparison.Ordinal));
        Assert.True(publish >= 0 && publish + 1 < subscriber.Lines.Count, "mosquitto_sub received no message");
        return Convert.FromHexString(subscriber.Lines[publish + 1].Trim());
    }

    [Theory]
    [InlineData("mqttv5")]
    [InlineData("mqttv311")]
    public async Task MosquittoPubAndSub_Datagram_RecordArrivesMarkedAndVerifies(string version)
    {
        using MosquittoSubscriber subscriber = await SubscribeWithMosquittoAsync(version, "braid/#");
        string file = Path.Combine(_broker.Root, "d.cbor");
        await File.WriteAllBytesAsync(file, Readings.Datagram(_device, ver: 1));

        var (exit, output) = await ChildProcess.RunAsync("mosquitto_pub", "-h", "127.0.0.1", "-p", _broker.MqttPort.ToString(), "-V", version,
            "-i", "agent-1", "-t", Topic, "-f", file, "-q", "1");
        byte[] record = await ReceiveHexAsync(subscriber);

        Assert.True(exit == 0, output);
        VerificationReport report = RecordVerifier.Verify(record, _device.PublicKey, await _broker.TimeMarkKeyAsync(), DateTimeOffset.UtcNow);
        Assert.True(report.Passed, string.Join("\n", report.Checks));
    }

    [Theory]
    [InlineData("1")]
    [InlineData("2")]
    public async Task MosquittoPub_BadDatagramAtQos1And2_RefusedWithReasonCode(string qos)
    {
        var (_, output) = await ChildProcess.RunAsync("mosquitto_pub", "-h", "127.0.0.1", "-p", _broker.MqttPort.ToString(), "-V", "mqttv5",
            "-i", "agent-1", "-t", Topic, "-m", "not cbor", "-q", qos, "-d");
        // 0x99, payload format invalid, in PUBACK (QoS 1) or PUBREC (QoS 2): mosquitto_pub names the reason code.
        Assert.Contains("Publish 1 failed: Payload format invalid.", output);
    }

    [Fact]
    public async Task MosquittoPub_Qos0Datagram_IsMarkedAndDelivered()
    {
        using MosquittoSubscriber subscriber = await SubscribeWithMosquittoAsync("mqttv5", "braid/#");
        string file = Path.Combine(_broker.Root, "d.cbor");
        await File.WriteAllBytesAsync(file, Readings.Datagram(_device, ver: 1));

        await ChildProcess.RunAsync("mosquitto_pub", "-h", "127.0.0.1", "-p", _broker.MqttPort.ToString(), "-V", "mqttv5", "-i", "agent-1", "-t", Topic, "-f", file, "-q", "0");
        byte[] record = await ReceiveHexAsync(subscriber);

        Assert.True(DatagramReader.TryRead(record, out Datagram marked, out _));
        Assert.NotNull(marked.LogIndex);
    }

    [Theory]
    [InlineData("v5")]
    [InlineData("v311")]
    public async Task PahoPublisher_PythonSignedDatagram_IsAcceptedAndMarked(string version)
    {
        string keyFile = Path.Combine(_broker.Root, "agent-1.key");
        KeyFile.WriteSigningKey(keyFile, _device);
        using MosquittoSubscriber subscriber = await SubscribeWithMosquittoAsync("mqttv5", "braid/#");

        var (exit, output) = await ChildProcess.RunAsync("/usr/bin/python3", Path.Combine(AppContext.BaseDirectory, "Serving", "paho_publish.py"),
            _broker.MqttPort.ToString(), "agent-1", Topic, keyFile, "7", version);
        byte[] record = await ReceiveHexAsync(subscriber);

        Assert.True(exit == 0, output);
        VerificationReport report = RecordVerifier.Verify(record, _device.PublicKey, await _broker.TimeMarkKeyAsync(), DateTimeOffset.UtcNow);
        Assert.True(report.Passed, string.Join("\n", report.Checks));
        Assert.Equal(TimestampUnit.Milliseconds, report.Skew!.Value.AssumedTsUnit);
    }

    [Fact]
    public async Task Retained_MarkedDatagram_IsDeliveredMarkedToALaterSubscriber()
    {
        var (device, _) = await MqttTestClient.ConnectAsync(_broker.MqttPort, "agent-1");
        await using (device)
            await device.PublishAsync(Topic, Readings.Datagram(_device, ver: 1), retain: true);

        using MosquittoSubscriber subscriber = await SubscribeWithMosquittoAsync("mqttv311", "braid/#");
        byte[] record = await ReceiveHexAsync(subscriber);

        Assert.True(DatagramReader.TryRead(record, out Datagram marked, out _));
        Assert.True(DatagramVerifier.VerifyBrokerToken(marked, await _broker.TimeMarkKeyAsync()));
    }

    [Fact]
    public async Task Will_OfAClientThatDropsItsConnection_IsMarkedLikeAnyPublish()
    {
        using MosquittoSubscriber subscriber = await SubscribeWithMosquittoAsync("mqttv5", "plain/#");
        var will = new MqttClientOptionsBuilder()
            .WithTcpServer("127.0.0.1", _broker.MqttPort)
            .WithClientId("sensor-1")
            .WithCredentials("sensor", (string?)null)
            .WithProtocolVersion(MqttProtocolVersion.V500)
            .WithWillTopic("plain/status")
            .WithWillPayload(Encoding.UTF8.GetBytes("sensor-1 offline"))
            .Build();
        // Dropping the socket without DISCONNECT makes the broker publish the will.
        IMqttClient client = new MqttClientFactory().CreateMqttClient();
        await client.ConnectAsync(will);
        client.Dispose();

        byte[] payload = await ReceiveHexAsync(subscriber);
        Assert.Equal("sensor-1 offline", Encoding.UTF8.GetString(payload));
    }
}
