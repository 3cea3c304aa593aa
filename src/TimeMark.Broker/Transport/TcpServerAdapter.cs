using System.Net;
using System.Net.Sockets;
using MQTTnet.Adapter;
using MQTTnet.Diagnostics.Logger;
using MQTTnet.Formatter;
using MQTTnet.Implementations;
using MQTTnet.Server;

namespace TimeMark.Broker.Transport;

/// <summary>
/// The plain-TCP MQTT listener, in place of MQTTnet's own for that endpoint, for one reason: its sockets get
/// <see cref="SocketBufferSize"/> send and receive buffers. MQTTnet 5.2's endpoint options have no buffer
/// sizes (MqttServerTcpEndpointBaseOptions: NoDelay, KeepAlive, LingerState, backlog, nothing else), and an
/// accepted socket only inherits them from the listening socket, which MQTTnet creates and keeps private.
/// With Linux's default 128 KiB receive buffer a publisher that sends faster than the broker marks fills it,
/// and the kernel drops segments (ss -tm shows skmem d&gt;0), which TCP recovers from only after a
/// retransmission timeout: stalls of 200 ms and more (design.md "Socket buffers").
/// </summary>
/// <remarks>
/// Everything after accept is MQTTnet's: the same channel, packet formatter and writer buffer sizes as its
/// own listener (MqttTcpServerListener). TLS stays on MQTTnet's listener.
/// </remarks>
public sealed class TcpServerAdapter : IMqttServerAdapter
{
    /// <summary>Send and receive buffer of every MQTT socket: 1 MiB (design.md).</summary>
    public const int SocketBufferSize = 1 << 20;

    private readonly IPEndPoint _endpoint;
    private readonly CancellationTokenSource _stop = new();
    private Socket? _listener;
    private MqttServerOptions? _options;
    private IMqttNetLogger _logger = MqttNetNullLogger.Instance;

    public TcpServerAdapter(IPEndPoint endpoint) => _endpoint = endpoint;

    public Func<IMqttChannelAdapter, Task>? ClientHandler { get; set; }

    public Task StartAsync(MqttServerOptions options, IMqttNetLogger logger)
    {
        ArgumentNullException.ThrowIfNull(options);
        _options = options;
        _logger = logger ?? MqttNetNullLogger.Instance;
        var listener = new Socket(_endpoint.AddressFamily, SocketType.Stream, ProtocolType.Tcp)
        {
            // Set before Listen, so accepted sockets start with them (and TCP can offer a window that large at once).
            ReceiveBufferSize = SocketBufferSize,
            SendBufferSize = SocketBufferSize,
        };
        if (_endpoint.AddressFamily == AddressFamily.InterNetworkV6)
            listener.DualMode = false;
        listener.SetSocketOption(SocketOptionLevel.Socket, SocketOptionName.ReuseAddress, true);
        listener.Bind(_endpoint);
        listener.Listen(options.DefaultEndpointOptions.ConnectionBacklog);
        _listener = listener;
        _ = Task.Run(() => AcceptAsync(listener, _stop.Token));
        return Task.CompletedTask;
    }

    public Task StopAsync()
    {
        _stop.Cancel();
        _listener?.Dispose();
        return Task.CompletedTask;
    }

    public void Dispose()
    {
        _stop.Cancel();
        _listener?.Dispose();
        _stop.Dispose();
    }

    private async Task AcceptAsync(Socket listener, CancellationToken cancellationToken)
    {
        while (!cancellationToken.IsCancellationRequested)
        {
            Socket client;
            try
            {
                client = await listener.AcceptAsync(cancellationToken).ConfigureAwait(false);
            }
            catch (Exception e) when (e is OperationCanceledException or ObjectDisposedException)
            {
                return;
            }
            catch (SocketException e) when (e.SocketErrorCode is SocketError.ConnectionAborted or SocketError.ConnectionReset or SocketError.OperationAborted)
            {
                continue;
            }

            _ = Task.Run(() => HandleAsync(client), CancellationToken.None);
        }
    }

    private async Task HandleAsync(Socket client)
    {
        try
        {
            client.NoDelay = true;
            client.ReceiveBufferSize = SocketBufferSize;
            client.SendBufferSize = SocketBufferSize;
            await using var stream = new NetworkStream(client, ownsSocket: true);
            if (ClientHandler is not { } handler || _options is not { } options)
                return;
            var channel = new MqttTcpChannel(stream, client.LocalEndPoint, client.RemoteEndPoint, null);
            var formatter = new MqttPacketFormatterAdapter(new MqttBufferWriter(options.WriterBufferSize, options.WriterBufferSizeMax));
            using var adapter = new MqttChannelAdapter(channel, formatter, _logger);
            adapter.AllowPacketFragmentation = options.DefaultEndpointOptions.AllowPacketFragmentation;
            await handler(adapter).ConfigureAwait(false);
        }
        catch (Exception e) when (e is IOException or SocketException or ObjectDisposedException or OperationCanceledException)
        {
            // The client went away; MQTTnet has already handled the session.
        }
        finally
        {
            client.Dispose();
        }
    }
}
