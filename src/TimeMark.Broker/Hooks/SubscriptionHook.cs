using Microsoft.Extensions.Logging;
using MQTTnet.Protocol;
using MQTTnet.Server;
using TimeMark.Broker.Access;

namespace TimeMark.Broker.Hooks;

/// <summary>Lets a SUBSCRIBE through only where the access policy allows it (MQTT v5 §3.8, §3.9).</summary>
public sealed partial class SubscriptionHook
{
    private readonly AccessPolicy _access;
    private readonly ILogger<SubscriptionHook> _logger;

    public SubscriptionHook(AccessPolicy access, ILogger<SubscriptionHook> logger)
    {
        _access = access;
        _logger = logger;
    }

    public Task InterceptAsync(InterceptingSubscriptionEventArgs args)
    {
        string filter = args.TopicFilter.Topic;
        ClientIdentity? client = ConnectionHook.IdentityOf(args.SessionItems);
        if (client is ClientIdentity known && _access.MaySubscribe(known, filter))
        {
            LogSubscribed(_logger, args.ClientId, known.Name, filter);
            return Task.CompletedTask;
        }

        LogRefused(_logger, args.ClientId, filter);
        args.ProcessSubscription = false;
        args.Response.ReasonCode = MqttSubscribeReasonCode.NotAuthorized;
        args.Response.ReasonString = $"not allowed to subscribe to {filter}";
        return Task.CompletedTask;
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Client {ClientId} ({Identity}) subscribed to {Filter}")]
    private static partial void LogSubscribed(ILogger logger, string clientId, string identity, string filter);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Client {ClientId} may not subscribe to {Filter}")]
    private static partial void LogRefused(ILogger logger, string clientId, string filter);
}
