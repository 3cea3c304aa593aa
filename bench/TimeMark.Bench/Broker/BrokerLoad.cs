using System.Diagnostics;
using System.Globalization;
using MQTTnet;
using MQTTnet.Formatter;
using MQTTnet.Protocol;
using TimeMark.Protocol.Datagrams;
using TimeMark.Protocol.Keys;

namespace TimeMark.Bench.Broker;

/// <summary>
/// A load generator for any MQTT broker: P publishers (agents bench-0001…) send
/// M signed ~200-byte BRAID datagrams each at QoS 0 or 1, one subscriber counts
/// what arrives. Every datagram is signed before the clock starts, so the
/// generator does no crypto during the run. Prints one JSON line.
/// </summary>
/// <remarks>
/// usage: broker-load HOST PORT PUBLISHERS MESSAGES QOS DEVICES_DIR [SUBSCRIBER_USERNAME]
/// DEVICES_DIR receives the agents' public keys ({ID}.pem), for a TimeMark broker's devices folder.
/// </remarks>
public static class BrokerLoad
{
    private static readonly TimeSpan DeliveryTimeout = TimeSpan.FromSeconds(120);

    public static async Task<int> RunAsync(string[] args)
    {
        string host = args[0];
        int port = int.Parse(args[1], CultureInfo.InvariantCulture);
        int publishers = int.Parse(args[2], CultureInfo.InvariantCulture);
        int messages = int.Parse(args[3], CultureInfo.InvariantCulture);
        var qos = (MqttQualityOfServiceLevel)int.Parse(args[4], CultureInfo.InvariantCulture);
        string devices = args[5];
        string? subscriberName = args.Length > 6 ? args[6] : null;

        Directory.CreateDirectory(devices);
        var payloads = new byte[publishers][][];
        for (int p = 0; p < publishers; p++)
        {
            using SigningKey key = SigningKey.Generate(KeyAlgorithm.EcdsaP256);
            await File.WriteAllTextAsync(Path.Combine(devices, AgentId(p) + ".pem"), key.PublicKey.ExportPem());
            payloads[p] = [.. Enumerable.Range(1, messages).Select(ver => Datagram(key, (ulong)ver))];
        }

        var factory = new MqttClientFactory();
        using IMqttClient subscriber = factory.CreateMqttClient();
        long delivered = 0;
        var allDelivered = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        long expected = (long)publishers * messages;
        subscriber.ApplicationMessageReceivedAsync += _ =>
        {
            if (Interlocked.Increment(ref delivered) == expected)
                allDelivered.TrySetResult();
            return Task.CompletedTask;
        };
        await subscriber.ConnectAsync(Options(factory, host, port, "bench-subscriber", subscriberName));
        await subscriber.SubscribeAsync(factory.CreateSubscribeOptionsBuilder().WithTopicFilter("braid/#", qos).Build());

        var clients = new IMqttClient[publishers];
        for (int p = 0; p < publishers; p++)
        {
            clients[p] = factory.CreateMqttClient();
            await clients[p].ConnectAsync(Options(factory, host, port, AgentId(p), null));
        }

        long refused = 0;
        var clock = Stopwatch.StartNew();
        await Task.WhenAll(Enumerable.Range(0, publishers).Select(p => Task.Run(async () =>
        {
            string topic = $"braid/agent/{AgentId(p)}/shadow/reported/";
            foreach (byte[] payload in payloads[p])
            {
                MqttClientPublishResult ack = await clients[p].PublishAsync(new MqttApplicationMessageBuilder()
                    .WithTopic(topic).WithPayload(payload).WithContentType("application/cbor").WithQualityOfServiceLevel(qos).Build());
                if ((int)ack.ReasonCode >= 0x80)
                    Interlocked.Increment(ref refused);
            }
        })));
        double published = clock.Elapsed.TotalSeconds;
        await Task.WhenAny(allDelivered.Task, Task.Delay(DeliveryTimeout));
        double seconds = clock.Elapsed.TotalSeconds;

        foreach (IMqttClient client in clients)
        {
            await client.DisconnectAsync();
            client.Dispose();
        }
        long received = Interlocked.Read(ref delivered);
        Console.WriteLine(FormattableString.Invariant(
            $"{{\"publishers\":{publishers},\"messages\":{expected},\"qos\":{(int)qos},\"delivered\":{received},\"lost\":{expected - received - refused},\"refused\":{refused},\"publish_seconds\":{published:F3},\"seconds\":{seconds:F3},\"delivered_per_second\":{received / seconds:F0}}}"));
        return received + refused == expected ? 0 : 1;
    }

    private static string AgentId(int publisher) => FormattableString.Invariant($"bench-{publisher + 1:D4}");

    private static MqttClientOptions Options(MqttClientFactory factory, string host, int port, string clientId, string? userName) =>
        factory.CreateClientOptionsBuilder()
            .WithTcpServer(host, port)
            .WithClientId(clientId)
            .WithCredentials(userName, (string?)null)
            .WithProtocolVersion(MqttProtocolVersion.V500)
            .WithTimeout(TimeSpan.FromSeconds(60))
            .Build();

    /// <summary>A reading like the BRAID firmware's: about 200 bytes once signed.</summary>
    private static byte[] Datagram(SigningKey key, ulong ver) => DatagramWriter.Write(new DatagramContent
    {
        Ts = (ulong)DateTimeOffset.UtcNow.ToUnixTimeSeconds(),
        Ver = ver,
        Action = 3,
        Body = Convert.FromHexString("a46474656d70fb4035800000000000636875641828657072657373fa447a0000646d6f6465666e6f726d616c"),
    }, key, indefiniteLength: true);
}
