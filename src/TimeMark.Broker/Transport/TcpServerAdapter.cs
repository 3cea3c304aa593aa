using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.Logging;
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
/// Everything after accept is MQTTnet's (the same channel, packet formatter and writer buffer sizes as its
/// own listener, MqttTcpServerListener) but for one more change: the channel reads through a
/// <see cref="ReadAheadStream"/>, so MQTTnet's small reads of each packet do not each cost a system call.
/// TLS stays on MQTTnet's listener.
/// </remarks>
public sealed partial class TcpServerAdapter : IMqttServerAdapter
{
    /// <summary>Refused connections are logged once per this many, not one line each: a full broker means a flood.</summary>
    private const long RefusalLogInterval = 1000;

    /// <summary>How long to wait before accepting again after an error such as too many open files.</summary>
    private static readonly TimeSpan AcceptRetryDelay = TimeSpan.FromMilliseconds(200);

    /// <summary>Send and receive buffer of every MQTT socket: 1 MiB (design.md).</summary>
    public const int SocketBufferSize = 1 << 20;

    private readonly IPEndPoint _endpoint;
    private readonly ILogger<TcpServerAdapter> _log;
    private readonly int _maxConnections;
    private int _connections;
    private long _refused;
    private readonly CancellationTokenSource _stop = new();
    private Socket? _listener;
    private MqttServerOptions? _options;
    private IMqttNetLogger _logger = MqttNetNullLogger.Instance;

    /// <param name="endpoint">Where to listen.</param>
    /// <param name="maxConnections">Connections held at most (<see cref="OpenFileLimit.ConnectionCapacity()"/>); one more is closed at once.</param>
    /// <param name="log">For accept errors and refused connections.</param>
    public TcpServerAdapter(IPEndPoint endpoint, int maxConnections, ILogger<TcpServerAdapter> log)
    {
        _endpoint = endpoint;
        _maxConnections = maxConnections;
        _log = log;
    }

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
            catch (SocketException e)
            {
                // Out of file descriptors (EMFILE) and the like: connected clients are served on, and accepting
                // resumes once descriptors are free. Ending this loop would refuse every new client for good.
                LogAcceptFailed(_log, _endpoint, e.SocketErrorCode, e.Message);
                try
                {
                    await Task.Delay(AcceptRetryDelay, cancellationToken).ConfigureAwait(false);
                }
                catch (OperationCanceledException)
                {
                    return;
                }
                continue;
            }

            if (Interlocked.Increment(ref _connections) > _maxConnections)
            {
                // Closed before CONNECT is read: the descriptors left are the runtime's and the log's.
                Interlocked.Decrement(ref _connections);
                client.Dispose();
                long refused = Interlocked.Increment(ref _refused);
                if (refused % RefusalLogInterval == 1)
                    LogFull(_log, _endpoint, _maxConnections, refused);
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
            var channel = new MqttTcpChannel(new ReadAheadStream(stream), client.LocalEndPoint, client.RemoteEndPoint, null);
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
            Interlocked.Decrement(ref _connections);
        }
    }

    [LoggerMessage(Level = LogLevel.Warning,
        Message = "MQTT listener {Endpoint} holds {MaxConnections} connections, as many as its open-file limit allows: new ones are closed ({Refused} so far); raise LimitNOFILE / ulimit -n")]
    private static partial void LogFull(ILogger logger, IPEndPoint endpoint, int maxConnections, long refused);

    [LoggerMessage(Level = LogLevel.Error, Message = "MQTT listener {Endpoint} cannot accept a connection ({Error}: {Reason}); trying again")]
    private static partial void LogAcceptFailed(ILogger logger, IPEndPoint endpoint, SocketError error, string reason);
}
