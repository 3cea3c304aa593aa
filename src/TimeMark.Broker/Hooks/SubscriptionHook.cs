using MQTTnet.Protocol;
using MQTTnet.Server;
using TimeMark.Broker.Access;

namespace TimeMark.Broker.Hooks;

/// <summary>Lets a SUBSCRIBE through only where the access policy allows it (MQTT v5 §3.8, §3.9).</summary>
public sealed class SubscriptionHook
{
    private readonly AccessPolicy _access;

    public SubscriptionHook(AccessPolicy access) => _access = access;

    public Task InterceptAsync(InterceptingSubscriptionEventArgs args)
    {
        string filter = args.TopicFilter.Topic;
        if (ConnectionHook.IdentityOf(args.SessionItems) is ClientIdentity client && _access.MaySubscribe(client, filter))
            return Task.CompletedTask;

        args.ProcessSubscription = false;
        args.Response.ReasonCode = MqttSubscribeReasonCode.NotAuthorized;
        args.Response.ReasonString = $"not allowed to subscribe to {filter}";
        return Task.CompletedTask;
    }
}
