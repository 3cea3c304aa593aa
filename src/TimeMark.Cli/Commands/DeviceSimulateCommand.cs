using System.CommandLine;
using System.Formats.Cbor;
using MQTTnet;
using MQTTnet.Formatter;
using MQTTnet.Protocol;
using TimeMark.Broker.Hosting;
using TimeMark.Protocol.Datagrams;
using TimeMark.Protocol.Keys;

namespace TimeMark.Cli.Commands;

/// <summary>
/// <c>timemark device simulate</c>: N agents publishing signed datagrams as the
/// BRAID firmware does (shadow reported, CBOR, MQTT v5, TS in Unix seconds),
/// optionally with a skewed clock, to exercise a broker.
/// </summary>
internal static class DeviceSimulateCommand
{
    public static Command Create()
    {
        var broker = new Option<string>("--broker") { Description = "The broker's MQTT address, HOST:PORT with an IP address.", HelpName = "HOST:PORT", Required = true };
        var agents = new Option<int>("--agents") { Description = "How many agents.", HelpName = "N", DefaultValueFactory = _ => 1 };
        var interval = new Option<double>("--interval") { Description = "Seconds between two datagrams of one agent.", HelpName = "SECONDS", DefaultValueFactory = _ => 1 };
        var skew = new Option<long>("--clock-skew") { Description = "Seconds added to each agent's TS: a device clock that is off.", HelpName = "SECONDS" };
        var count = new Option<int?>("--count") { Description = "Datagrams per agent, then stop; without it, run until Ctrl-C.", HelpName = "N" };
        var keys = new Option<string>("--keys") { Description = "Folder of the agents' private keys, {ID}.key; missing ones are created.", HelpName = "DIR", DefaultValueFactory = _ => "sim-keys" };
        var devices = new Option<string?>("--devices") { Description = "Also write each agent's public key here as {ID}.pem: the broker's devices folder.", HelpName = "DIR" };
        var type = new Option<string>("--type") { Description = "Key type of created agents.", HelpName = "p256|ed25519", DefaultValueFactory = _ => "p256" };
        type.AcceptOnlyFromAmong("p256", "ed25519");
        var prefix = new Option<string>("--id-prefix") { Description = "Agent IDs are PREFIX0001, PREFIX0002, ….", HelpName = "PREFIX", DefaultValueFactory = _ => "agent-" };

        var command = new Command("simulate",
            "Run agents that publish signed datagrams to braid/agent/{ID}/shadow/reported/ at QoS 1 and count the broker's answers. " +
            "Exit 0 when every datagram was accepted, 1 when any was refused, 2 when the broker cannot be reached.")
        {
            broker, agents, interval, skew, count, keys, devices, type, prefix,
        };
        command.SetAction(async (parseResult, _) =>
        {
            TextWriter output = parseResult.InvocationConfiguration.Output;
            TextWriter error = parseResult.InvocationConfiguration.Error;
            if (!Endpoint.TryParse(parseResult.GetValue(broker), out Endpoint? address))
            {
                error.WriteLine(Errors.Line($"--broker \"{parseResult.GetValue(broker)}\" is not HOST:PORT with an IP address"));
                return ExitCodes.UsageOrInputError;
            }

            string keyFolder = parseResult.GetValue(keys)!;
            string? deviceFolder = parseResult.GetValue(devices);
            KeyAlgorithm algorithm = parseResult.GetValue(type) == "ed25519" ? KeyAlgorithm.Ed25519 : KeyAlgorithm.EcdsaP256;
            var agentIds = Enumerable.Range(1, parseResult.GetValue(agents)).Select(i => $"{parseResult.GetValue(prefix)}{i:D4}").ToArray();
            SigningKey[] agentKeys;
            try
            {
                agentKeys = [.. agentIds.Select(id => LoadOrCreate(keyFolder, deviceFolder, id, algorithm))];
            }
            catch (InputException e)
            {
                error.WriteLine(Errors.Line(e.Message));
                return ExitCodes.UsageOrInputError;
            }

            using var signal = new ShutdownSignal();
            var tally = new Tally();
            try
            {
                await Task.WhenAll(agentIds.Select((id, i) => RunAgentAsync(address.Value, id, agentKeys[i],
                    TimeSpan.FromSeconds(parseResult.GetValue(interval)), parseResult.GetValue(skew), parseResult.GetValue(count), tally, signal.Token)));
            }
            catch (Exception e) when (e is MQTTnet.Exceptions.MqttCommunicationException or System.Net.Sockets.SocketException)
            {
                error.WriteLine(Errors.Line($"broker {address}: {e.Message}"));
                return ExitCodes.UsageOrInputError;
            }
            finally
            {
                foreach (SigningKey key in agentKeys)
                    key.Dispose();
            }

            tally.Write(output);
            return tally.Refused == 0 ? ExitCodes.Ok : ExitCodes.CheckFailed;
        });
        return command;
    }

    private static SigningKey LoadOrCreate(string keyFolder, string? deviceFolder, string agentId, KeyAlgorithm algorithm)
    {
        string path = Path.Combine(keyFolder, agentId + ".key");
        SigningKey key;
        if (File.Exists(path))
        {
            key = InputFiles.ReadSigningKey(path);
        }
        else
        {
            Directory.CreateDirectory(keyFolder);
            key = SigningKey.Generate(algorithm);
            KeyFile.WriteSigningKey(path, key);
        }
        if (deviceFolder is not null)
        {
            Directory.CreateDirectory(deviceFolder);
            InputFiles.WriteAllBytes(Path.Combine(deviceFolder, agentId + ".pem"), System.Text.Encoding.ASCII.GetBytes(key.PublicKey.ExportPem()));
        }
        return key;
    }

    private static async Task RunAgentAsync(Endpoint broker, string agentId, SigningKey key, TimeSpan interval, long skewSeconds,
        int? count, Tally tally, CancellationToken cancellationToken)
    {
        using IMqttClient client = new MqttClientFactory().CreateMqttClient();
        MqttClientConnectResult connected = await client.ConnectAsync(new MqttClientOptionsBuilder()
            .WithTcpServer(broker.Address.ToString(), broker.Port)
            .WithClientId(agentId)
            .WithProtocolVersion(MqttProtocolVersion.V500)
            .Build(), CancellationToken.None);
        if (connected.ResultCode != MqttClientConnectResultCode.Success)
        {
            tally.Add($"CONNACK {connected.ResultCode}");
            return;
        }

        string topic = $"braid/agent/{agentId}/shadow/reported/";
        var random = new Random(agentId.GetHashCode(StringComparison.Ordinal));
        using var timer = new PeriodicTimer(interval);
        for (ulong ver = 1; count is null || ver <= (ulong)count; ver++)
        {
            byte[] datagram = DatagramWriter.Write(new DatagramContent
            {
                Ts = (ulong)(DateTimeOffset.UtcNow.ToUnixTimeSeconds() + skewSeconds),
                Ver = ver,
                Action = 3,
                Body = Body(random.Next(150, 300) / 10.0, ver),
            }, key, indefiniteLength: true);
            MqttClientPublishResult ack = await client.PublishAsync(new MqttApplicationMessageBuilder()
                .WithTopic(topic)
                .WithPayload(datagram)
                .WithContentType("application/cbor")
                .WithQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce)
                .Build(), CancellationToken.None);
            tally.Add(ack.ReasonCode.ToString());
            if (count is not null && ver == (ulong)count)
                break;
            try
            {
                await timer.WaitForNextTickAsync(cancellationToken);
            }
            catch (OperationCanceledException)
            {
                break;
            }
        }
        await client.DisconnectAsync(cancellationToken: CancellationToken.None);
    }

    /// <summary>A shadow-reported BODY: {"temp": T, "seq": N}.</summary>
    private static byte[] Body(double temperature, ulong sequence)
    {
        var writer = new CborWriter();
        writer.WriteStartMap(2);
        writer.WriteTextString("temp");
        writer.WriteDouble(temperature);
        writer.WriteTextString("seq");
        writer.WriteUInt64(sequence);
        writer.WriteEndMap();
        return writer.Encode();
    }

    /// <summary>Counts the broker's answers by reason code, across agents.</summary>
    private sealed class Tally
    {
        private readonly Dictionary<string, long> _answers = [];

        public long Refused
        {
            get
            {
                lock (_answers)
                    return _answers.Where(a => a.Key is not (nameof(MqttClientPublishReasonCode.Success) or nameof(MqttClientPublishReasonCode.NoMatchingSubscribers))).Sum(a => a.Value);
            }
        }

        public void Add(string answer)
        {
            lock (_answers)
                _answers[answer] = _answers.GetValueOrDefault(answer) + 1;
        }

        public void Write(TextWriter output)
        {
            lock (_answers)
            {
                foreach (var (answer, n) in _answers.OrderBy(a => a.Key, StringComparer.Ordinal))
                    output.WriteLine($"{answer}: {n}");
            }
        }
    }
}
