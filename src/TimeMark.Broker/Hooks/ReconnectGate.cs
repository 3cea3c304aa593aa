using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;
using MQTTnet.Server;

namespace TimeMark.Broker.Hooks;

/// <summary>
/// Holds a CONNECT back while an earlier connection with the same client ID is still being cleaned up.
/// </summary>
/// <remarks>
/// MQTTnet 5.2 cleans up a closed connection by its client ID: it removes the ID from its table of clients, then
/// looks the ID up again to stop "its" connection. A device that disconnects and reconnects at once can be
/// registered in between, and the old connection's cleanup then stops the new one, silently. The cleanup ends
/// before MQTTnet reports the old connection disconnected, so a CONNECT that waits for that report is safe.
/// A connection that is still open (a session takeover, MQTT v5 §3.1.4) never reports; the CONNECT waits
/// <see cref="Patience"/> and then goes on, and MQTTnet takes the session over as the standard says.
/// </remarks>
public sealed partial class ReconnectGate
{
    /// <summary>How long a CONNECT waits for an earlier connection with its client ID to be cleaned up.</summary>
    public static readonly TimeSpan Patience = TimeSpan.FromMilliseconds(250);

    private const string ClosedItem = "timemark.connection-closed";

    private readonly ConcurrentDictionary<string, TaskCompletionSource> _open = new(StringComparer.Ordinal);
    private readonly ILogger<ReconnectGate> _logger;

    public ReconnectGate(ILogger<ReconnectGate> logger) => _logger = logger;

    /// <summary>Called first when a CONNECT is validated: returns once no earlier connection with its client ID is being cleaned up.</summary>
    public async Task WaitForEarlierConnectionAsync(string clientId)
    {
        // An empty client ID has no earlier connection: the client is assigned a new ID (ConnectionHook).
        if (string.IsNullOrEmpty(clientId) || !_open.TryGetValue(clientId, out TaskCompletionSource? closed))
            return;
        try
        {
            await closed.Task.WaitAsync(Patience).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
            LogTakingOver(_logger, clientId, (int)Patience.TotalMilliseconds);
        }
    }

    public Task ConnectedAsync(ClientConnectedEventArgs args)
    {
        var closed = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        args.SessionItems[ClosedItem] = closed;
        _open.AddOrUpdate(args.ClientId, closed, (_, takenOver) =>
        {
            // A connection taken over is never reported closed; nothing waits for it any more.
            takenOver.TrySetResult();
            return closed;
        });
        return Task.CompletedTask;
    }

    public Task DisconnectedAsync(ClientDisconnectedEventArgs args)
    {
        if (args.SessionItems[ClosedItem] is TaskCompletionSource closed)
        {
            // Only this connection's entry: a later connection with the same ID may already have its own.
            _open.TryRemove(new KeyValuePair<string, TaskCompletionSource>(args.ClientId, closed));
            closed.TrySetResult();
        }
        return Task.CompletedTask;
    }

    [LoggerMessage(Level = LogLevel.Information,
        Message = "Client {ClientId} connects while its earlier connection is still open after {Milliseconds} ms: the new connection takes the session over")]
    private static partial void LogTakingOver(ILogger logger, string clientId, int milliseconds);
}
