using System.Globalization;
using System.Net;
using System.Runtime.InteropServices;
using Microsoft.Extensions.Logging.Abstractions;
using MQTTnet.Server;
using TimeMark.Broker.Transport;

namespace TimeMark.Bench.Broker;

/// <summary>
/// MQTTnet 5's server with nothing of TimeMark's per-message path: no hooks, no crypto, no log; the same
/// listener (<see cref="TcpServerAdapter"/>, 1 MiB socket buffers) and subscriber queue as <c>timemark serve</c>.
/// In bench/brokers.sh it splits TimeMark's cost per message into the framework's share and TimeMark's own.
/// </summary>
/// <remarks>usage: mqttnet-server PORT   (127.0.0.1; runs until SIGTERM or Ctrl-C)</remarks>
public static class PlainMqttnetServer
{
    public static async Task<int> RunAsync(string[] args)
    {
        int port = int.Parse(args[0], CultureInfo.InvariantCulture);
        var factory = new MqttServerFactory();
        MqttServerOptions options = factory.CreateServerOptionsBuilder()
            .WithMaxPendingMessagesPerClient(250_000) // timemark serve's default (MaxPendingMessagesPerClient)
            .WithoutPacketFragmentation() // as timemark serve
            .Build();
        options.DefaultEndpointOptions.IsEnabled = false;
        using MqttServer server = factory.CreateMqttServer(options,
            [new TcpServerAdapter(new IPEndPoint(IPAddress.Loopback, port), OpenFileLimit.ConnectionCapacity(), NullLogger<TcpServerAdapter>.Instance)], factory.DefaultLogger);
        using var stop = new CancellationTokenSource();
        using PosixSignalRegistration terminate = PosixSignalRegistration.Create(PosixSignal.SIGTERM, context =>
        {
            context.Cancel = true;
            stop.Cancel();
        });
        Console.CancelKeyPress += (_, e) =>
        {
            e.Cancel = true;
            stop.Cancel();
        };
        await server.StartAsync();
        Console.WriteLine(FormattableString.Invariant($"MQTTnet listening on 127.0.0.1:{port}"));
        try
        {
            await Task.Delay(Timeout.Infinite, stop.Token);
        }
        catch (OperationCanceledException)
        {
        }
        await server.StopAsync();
        return 0;
    }
}
