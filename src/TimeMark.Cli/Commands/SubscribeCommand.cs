using System.Buffers;
using System.CommandLine;
using System.Globalization;
using System.Text;
using System.Text.Json;
using MQTTnet;
using MQTTnet.Formatter;
using MQTTnet.Protocol;
using TimeMark.Broker.Hosting;

namespace TimeMark.Cli.Commands;

/// <summary>
/// <c>timemark subscribe</c>: stores every message received from a broker as a
/// file, ready for <c>timemark verify</c>: the payload as {LOG_INDEX}.cbor, and
/// the mark's user properties beside it as {LOG_INDEX}.json.
/// </summary>
internal static class SubscribeCommand
{
    public static Command Create()
    {
        var broker = new Option<string>("--broker") { Description = "The broker's MQTT address, HOST:PORT with an IP address.", HelpName = "HOST:PORT", Required = true };
        var output = new Option<string>("--out") { Description = "Folder for the received records (created if missing).", HelpName = "DIR", Required = true };
        var topic = new Option<string>("--topic") { Description = "Topic filter.", HelpName = "FILTER", DefaultValueFactory = _ => "braid/#" };
        var userName = new Option<string?>("--username") { Description = "MQTT username: the identity in the broker's access list.", HelpName = "NAME" };
        var password = new Option<string?>("--password") { Description = "MQTT password.", HelpName = "PASSWORD" };
        var count = new Option<int?>("--count") { Description = "Stop after N messages; without it, run until Ctrl-C.", HelpName = "N" };

        var command = new Command("subscribe",
            "Subscribe (MQTT v5, QoS 1) and store each record as DIR/{tm-log-index}.cbor with its mark in DIR/{tm-log-index}.json. " +
            "Exit 0 after Ctrl-C or --count messages, 2 when the broker refuses or cannot be reached.")
        {
            broker, output, topic, userName, password, count,
        };
        command.SetAction(async (parseResult, _) =>
        {
            TextWriter stdout = parseResult.InvocationConfiguration.Output;
            TextWriter error = parseResult.InvocationConfiguration.Error;
            if (!Endpoint.TryParse(parseResult.GetValue(broker), out Endpoint? address))
            {
                error.WriteLine(Errors.Line($"--broker \"{parseResult.GetValue(broker)}\" is not HOST:PORT with an IP address"));
                return ExitCodes.UsageOrInputError;
            }
            string folder = parseResult.GetValue(output)!;
            Directory.CreateDirectory(folder);
            int? limit = parseResult.GetValue(count);

            using var signal = new ShutdownSignal();
            using var done = CancellationTokenSource.CreateLinkedTokenSource(signal.Token);
            int received = 0;
            using IMqttClient client = new MqttClientFactory().CreateMqttClient();
            client.ApplicationMessageReceivedAsync += e =>
            {
                string name = Store(folder, e.ApplicationMessage, received);
                stdout.WriteLine($"{e.ApplicationMessage.Topic} -> {name}");
                if (Interlocked.Increment(ref received) == limit)
                    done.Cancel();
                return Task.CompletedTask;
            };

            MqttClientConnectResult connected;
            try
            {
                connected = await client.ConnectAsync(new MqttClientOptionsBuilder()
                    .WithTcpServer(address.Value.Address.ToString(), address.Value.Port)
                    .WithClientId($"timemark-subscribe-{Environment.ProcessId}")
                    .WithCredentials(parseResult.GetValue(userName), parseResult.GetValue(password))
                    .WithProtocolVersion(MqttProtocolVersion.V500)
                    .Build(), CancellationToken.None);
            }
            catch (Exception e) when (e is MQTTnet.Exceptions.MqttCommunicationException or System.Net.Sockets.SocketException)
            {
                error.WriteLine(Errors.Line($"broker {address}: {e.Message}"));
                return ExitCodes.UsageOrInputError;
            }
            if (connected.ResultCode != MqttClientConnectResultCode.Success)
            {
                error.WriteLine(Errors.Line($"broker {address} refused the connection: {connected.ResultCode} {connected.ReasonString}"));
                return ExitCodes.UsageOrInputError;
            }
            MqttClientSubscribeResult subscribed = await client.SubscribeAsync(new MqttClientSubscribeOptionsBuilder()
                .WithTopicFilter(parseResult.GetValue(topic), MqttQualityOfServiceLevel.AtLeastOnce).Build(), CancellationToken.None);
            MqttClientSubscribeResultCode granted = subscribed.Items.Single().ResultCode;
            if ((int)granted >= 0x80)
            {
                error.WriteLine(Errors.Line($"broker {address} refused the subscription to {parseResult.GetValue(topic)}: {granted}"));
                return ExitCodes.UsageOrInputError;
            }

            try
            {
                await Task.Delay(Timeout.Infinite, done.Token);
            }
            catch (OperationCanceledException)
            {
                // Ctrl-C, SIGTERM or --count reached.
            }
            await client.DisconnectAsync(cancellationToken: CancellationToken.None);
            return ExitCodes.Ok;
        });
        return command;
    }

    /// <summary>Writes the record and its mark; names them by LOG_INDEX, or by arrival order when there is no mark.</summary>
    private static string Store(string folder, MqttApplicationMessage message, int arrival)
    {
        var properties = (message.UserProperties ?? []).ToDictionary(p => p.Name, p => Encoding.UTF8.GetString(p.ValueBuffer.Span), StringComparer.Ordinal);
        string name = properties.TryGetValue("tm-log-index", out string? index) ? index : "unmarked-" + arrival.ToString(CultureInfo.InvariantCulture);
        File.WriteAllBytes(Path.Combine(folder, name + ".cbor"), message.Payload.ToArray());
        properties["topic"] = message.Topic;
        File.WriteAllText(Path.Combine(folder, name + ".json"), JsonSerializer.Serialize(properties));
        return name + ".cbor";
    }
}
