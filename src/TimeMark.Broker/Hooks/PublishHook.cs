using System.Buffers;
using System.Text;
using MQTTnet;
using MQTTnet.Packets;
using MQTTnet.Protocol;
using MQTTnet.Server;
using TimeMark.Broker.Access;
using TimeMark.Broker.Pipeline;

namespace TimeMark.Broker.Hooks;

/// <summary>
/// Runs every PUBLISH (client messages and wills) through the
/// <see cref="TimeMarker"/> and copies its decision onto MQTTnet's event args:
/// the one place where MQTTnet's mutable args are written.
/// </summary>
/// <remarks>
/// MQTTnet awaits this hook before it forwards the message and before it sends
/// PUBACK/PUBREC, so a QoS 1/2 publish is acknowledged only once its entry is durable.
/// </remarks>
public sealed class PublishHook
{
    private readonly TimeMarker _marker;

    public PublishHook(TimeMarker marker) => _marker = marker;

    public async Task InterceptAsync(InterceptingPublishEventArgs args)
    {
        MqttApplicationMessage message = args.ApplicationMessage;
        if (ConnectionHook.IdentityOf(args.SessionItems) is not ClientIdentity publisher)
        {
            Refuse(args, MqttPubAckReasonCode.NotAuthorized, "publisher has no identity");
            return;
        }

        ReadOnlyMemory<byte> payload = message.Payload.IsSingleSegment ? message.Payload.First : message.Payload.ToArray();
        PublishOutcome outcome = await _marker.MarkAsync(new PublishRequest(publisher, message.Topic, payload), args.CancellationToken).ConfigureAwait(false);
        if (!outcome.IsForwarded)
        {
            Refuse(args, ReasonCode(outcome.Rejection!.Value), outcome.Detail);
            return;
        }

        message.Payload = new ReadOnlySequence<byte>(outcome.Payload);
        // A publisher's own tm-* properties would pose as the broker's mark: they are replaced.
        List<MqttUserProperty> properties = message.UserProperties?.Where(p => !p.Name.StartsWith("tm-", StringComparison.Ordinal)).ToList() ?? [];
        foreach (KeyValuePair<string, string> mark in outcome.Properties)
            properties.Add(new MqttUserProperty(mark.Key, Encoding.UTF8.GetBytes(mark.Value)));
        message.UserProperties = properties;
    }

    /// <summary>
    /// MQTT v5 §3.4.2.1 allows only some reason codes in PUBACK: 0x95 (packet too large) is
    /// a DISCONNECT code, so an oversized payload is answered with 0x97 (quota exceeded).
    /// </summary>
    public static MqttPubAckReasonCode ReasonCode(RejectReason reason) => reason switch
    {
        RejectReason.TopicNotAllowed or RejectReason.UnknownDevice or RejectReason.BadSignature or RejectReason.Replay
            => MqttPubAckReasonCode.NotAuthorized,
        RejectReason.MalformedDatagram or RejectReason.AlreadyMarked or RejectReason.BadDeviceFields
            => MqttPubAckReasonCode.PayloadFormatInvalid,
        RejectReason.PayloadTooLarge => MqttPubAckReasonCode.QuotaExceeded,
        _ => MqttPubAckReasonCode.UnspecifiedError,
    };

    private static void Refuse(InterceptingPublishEventArgs args, MqttPubAckReasonCode code, string reason)
    {
        args.ProcessPublish = false;
        args.Response.ReasonCode = code;
        args.Response.ReasonString = reason;
    }
}
