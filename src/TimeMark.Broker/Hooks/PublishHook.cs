using System.Buffers;
using System.Buffers.Text;
using System.Diagnostics;
using System.Text;
using Microsoft.Extensions.Logging;
using MQTTnet;
using MQTTnet.Packets;
using MQTTnet.Protocol;
using MQTTnet.Server;
using MQTTnet.Server.Internal;
using TimeMark.Broker.Access;
using TimeMark.Broker.Pipeline;

namespace TimeMark.Broker.Hooks;

/// <summary>
/// Runs every PUBLISH (client messages and wills) through the
/// <see cref="TimeMarker"/> and copies its decision onto MQTTnet's event args:
/// the one place where MQTTnet's mutable args are written.
/// </summary>
/// <remarks>
/// MQTTnet awaits this hook before it forwards the message, before it queues
/// PUBACK/PUBREC and before it reads the connection's next packet. Holding every
/// message in the hook until its entry is durable would leave one message per
/// connection in the pipeline, so at QoS 0 and 1 the hook does not wait for the log:
/// it checks and marks on the connection's thread (<see cref="TimeMarker.MarkAsync"/>
/// runs synchronously up to its wait for the log), tells MQTTnet not to forward, and
/// returns; once the entry is durable the marked message is injected into the server
/// (<see cref="MqttServer.InjectApplicationMessage"/>), in the publisher's order.
/// <para>
/// A QoS 1 PUBACK must still wait for durability, and must carry the marker's verdict.
/// MQTTnet queues the PUBACK as soon as the hook returns, built from
/// <see cref="InterceptingPublishEventArgs.Response"/>; the hook puts a
/// <see cref="PendingAcknowledgement"/> there as the PUBACK's user properties, and
/// <see cref="InterceptOutboundAsync"/>, which MQTTnet awaits before it writes each
/// packet of a connection, in order, holds that PUBACK until the verdict is known and
/// writes the verdict into it. PUBACKs therefore leave in the order their PUBLISHes
/// came (MQTT v5 §4.6), and none before its entry is durable.
/// </para>
/// <para>
/// At most <see cref="MaxInFlight"/> messages wait for the log at once; beyond that the
/// hook waits too, which slows the publishers down (TCP back-pressure). QoS 2 keeps
/// the plain path: the hook returns only once durable.
/// </para>
/// </remarks>
[System.Diagnostics.CodeAnalysis.SuppressMessage("Design", "CA1001:Types that own disposable fields should be disposable",
    Justification = "The SemaphoreSlim never creates its wait handle (AvailableWaitHandle is not used), so it holds nothing to release.")]
public sealed partial class PublishHook
{
    /// <summary>QoS 0 and 1 messages marked and waiting for the log, over all connections: bounds the memory a flood can take.</summary>
    public const int MaxInFlight = 8192;

    /// <summary>Session item that holds a connection's <see cref="ForwardChain"/>.</summary>
    private const string ChainItem = "timemark.forward-chain";

    /// <summary>Session item of messages this hook injects: already marked, to be forwarded as they are.</summary>
    private const string InjectedItem = "timemark.marked";

    private static readonly System.Collections.IDictionary Injected = new System.Collections.Hashtable { [InjectedItem] = true };

    private static readonly Acknowledgement Accepted = new(MqttPubAckReasonCode.Success, null);

    private readonly TimeMarker _marker;
    private readonly MqttServer? _server;
    private readonly ILogger<PublishHook> _logger;
    private readonly SemaphoreSlim _inFlight = new(MaxInFlight, MaxInFlight);

    /// <param name="marker">The pipeline.</param>
    /// <param name="server">The server to inject messages into once durable; null to hold every message in the hook until durable.</param>
    /// <param name="logger">For failures of the injection, which has no publisher to answer.</param>
    public PublishHook(TimeMarker marker, MqttServer? server = null, ILogger<PublishHook>? logger = null)
    {
        _marker = marker;
        _server = server;
        _logger = logger ?? Microsoft.Extensions.Logging.Abstractions.NullLogger<PublishHook>.Instance;
    }

    public async Task InterceptAsync(InterceptingPublishEventArgs args)
    {
        MqttApplicationMessage message = args.ApplicationMessage;
        if (args.SessionItems is { } items && items.Contains(InjectedItem))
            return; // Ours, injected once durable: forward as is.
        if (ConnectionHook.IdentityOf(args.SessionItems) is not ClientIdentity publisher)
        {
            Refuse(args, MqttPubAckReasonCode.NotAuthorized, "publisher has no identity");
            return;
        }

        ForwardChain? chain = args.SessionItems?[ChainItem] as ForwardChain;
        if (_server is not null && message.QualityOfServiceLevel != MqttQualityOfServiceLevel.ExactlyOnce && args.SessionItems is not null)
        {
            if (chain is null)
                args.SessionItems[ChainItem] = chain = new ForwardChain();
            await _inFlight.WaitAsync(args.CancellationToken).ConfigureAwait(false);
            // A copy: MQTTnet may reuse the packet's buffer once the hook returns.
            var request = new PublishRequest(publisher, message.Topic, message.Payload.ToArray()) { IsResent = IsResent(message) };
            ValueTask<PublishOutcome> marking = _marker.MarkAsync(request, CancellationToken.None);
            Task<Acknowledgement> forwarded = ForwardWhenDurableAsync(chain.Last, marking, message, args.ClientId);
            chain.Last = forwarded;
            args.ProcessPublish = false;
            if (message.QualityOfServiceLevel == MqttQualityOfServiceLevel.AtLeastOnce)
                args.Response.UserProperties = new PendingAcknowledgement(forwarded);
            return;
        }

        // Keeps a publisher's order when QoS 2 follows messages that still wait for the log.
        if (chain is not null && !chain.Last.IsCompleted)
            await chain.Last.ConfigureAwait(false);
        ReadOnlyMemory<byte> payload = message.Payload.IsSingleSegment ? message.Payload.First : message.Payload.ToArray();
        PublishOutcome outcome = await _marker.MarkAsync(new PublishRequest(publisher, message.Topic, payload) { IsResent = IsResent(message) },
            args.CancellationToken).ConfigureAwait(false);
        if (!outcome.IsForwarded)
        {
            if (outcome.Rejection is RejectReason rejection)
                Refuse(args, ReasonCode(rejection), outcome.Detail);
            else
                Acknowledge(args, outcome.Detail);
            return;
        }

        message.Payload = new ReadOnlySequence<byte>(outcome.Payload);
        message.UserProperties = MarkProperties(message.UserProperties, outcome);
    }

    /// <summary>
    /// MQTTnet awaits this before it writes each packet to a connection, one packet at a time: a PUBACK of a message
    /// still waiting for the log waits here, then carries the marker's verdict.
    /// </summary>
    public static Task InterceptOutboundAsync(InterceptingPacketEventArgs args) =>
        args.Packet is MqttPubAckPacket { UserProperties: PendingAcknowledgement pending } ack
            ? CompleteAsync(ack, pending, args.CancellationToken)
            : Task.CompletedTask;

    private static async Task CompleteAsync(MqttPubAckPacket ack, PendingAcknowledgement pending, CancellationToken cancellationToken)
    {
        Acknowledgement verdict = await pending.Verdict.WaitAsync(cancellationToken).ConfigureAwait(false);
        ack.ReasonCode = verdict.ReasonCode;
        ack.ReasonString = verdict.ReasonString;
        ack.UserProperties = null;
    }

    /// <summary>
    /// Waits until the message is durable and the publisher's previous message was injected, then injects it.
    /// Never faults: a QoS 0 message has no publisher to answer, so failures are logged (rejections were recorded
    /// by the marker), and the verdict for a QoS 1 PUBACK is returned.
    /// </summary>
    private async Task<Acknowledgement> ForwardWhenDurableAsync(Task previous, ValueTask<PublishOutcome> marking, MqttApplicationMessage message,
        string clientId)
    {
        try
        {
            PublishOutcome outcome = await marking.ConfigureAwait(false);
            await previous.ConfigureAwait(false);
            if (!outcome.IsForwarded)
                return new Acknowledgement(outcome.Rejection is RejectReason rejection ? ReasonCode(rejection) : MqttPubAckReasonCode.Success, outcome.Detail);
            message.Payload = new ReadOnlySequence<byte>(outcome.Payload);
            message.UserProperties = MarkProperties(message.UserProperties, outcome);
            Task dispatch = _server!.InjectApplicationMessage(new InjectedMqttApplicationMessage(message)
            {
                SenderClientId = clientId,
                CustomSessionItems = Injected,
            });
            await dispatch.ConfigureAwait(false);
            // MQTTnet 5.2 completes the injection with its dispatch result, which says 0x10 (no matching subscribers)
            // as its PUBACK would have for a message it forwarded itself; a version that does not keeps 0x00.
            return dispatch is Task<DispatchApplicationMessageResult> { Result: var result }
                ? new Acknowledgement((MqttPubAckReasonCode)result.ReasonCode, result.ReasonString)
                : Accepted;
        }
        catch (Exception e)
        {
            LogInjectFailed(_logger, clientId, message.Topic, e.Message);
            return new Acknowledgement(MqttPubAckReasonCode.UnspecifiedError, "the marked message could not be forwarded");
        }
        finally
        {
            _inFlight.Release();
        }
    }

    /// <summary>What a QoS 1 PUBACK says.</summary>
    private readonly record struct Acknowledgement(MqttPubAckReasonCode ReasonCode, string? ReasonString);

    /// <summary>
    /// Rides from the hook to <see cref="InterceptOutboundAsync"/> as the PUBACK's user properties, the one field
    /// MQTTnet copies from the hook's response into the PUBACK it queues; it is replaced before the PUBACK is written.
    /// </summary>
    private sealed class PendingAcknowledgement(Task<Acknowledgement> verdict) : List<MqttUserProperty>(0)
    {
        public Task<Acknowledgement> Verdict { get; } = verdict;
    }

    /// <summary>A connection's last pipelined forward; written only by the hook, which MQTTnet runs once at a time per connection.</summary>
    private sealed class ForwardChain
    {
        public Task Last { get; set; } = Task.CompletedTask;
    }

    [LoggerMessage(Level = LogLevel.Error, Message = "A marked message from {ClientId} on {Topic} could not be forwarded: {Reason}")]
    private static partial void LogInjectFailed(ILogger logger, string clientId, string topic, string reason);

    /// <summary>
    /// The publisher's user properties without its own tm-* ones (they would pose as the broker's mark),
    /// then the mark. The two numbers share one small buffer; the status texts are cached bytes.
    /// </summary>
    private static List<MqttUserProperty> MarkProperties(List<MqttUserProperty>? incoming, PublishOutcome outcome)
    {
        var properties = new List<MqttUserProperty>((incoming?.Count ?? 0) + 4);
        if (incoming is not null)
        {
            foreach (MqttUserProperty property in incoming)
            {
                if (!property.Name.StartsWith("tm-", StringComparison.Ordinal))
                    properties.Add(property);
            }
        }

        // Two decimal uint64 values: at most 20 digits each.
        var numbers = new byte[40];
        if (!Utf8Formatter.TryFormat(outcome.IngestionTime, numbers, out int timeLength)
            || !Utf8Formatter.TryFormat(outcome.LogIndex, numbers.AsSpan(20), out int indexLength))
        {
            throw new UnreachableException("PublishHook.MarkProperties: a 64-bit number took more than 20 digits");
        }

        properties.Add(new MqttUserProperty(TimeMarker.IngestionTimeProperty, numbers.AsMemory(0, timeLength)));
        properties.Add(new MqttUserProperty(TimeMarker.LogIndexProperty, numbers.AsMemory(20, indexLength)));
        properties.Add(new MqttUserProperty(TimeMarker.StatusProperty, StatusBytes(outcome.Status)));
        if (outcome.Token is byte[] token)
            properties.Add(new MqttUserProperty(TimeMarker.TokenProperty, Base64Utf8(token)));
        return properties;
    }

    /// <summary>Standard base64 (with padding) straight into UTF-8 bytes: one allocation, not a string and then its bytes.</summary>
    private static byte[] Base64Utf8(byte[] data)
    {
        var encoded = new byte[Base64.GetMaxEncodedToUtf8Length(data.Length)];
        Base64.EncodeToUtf8(data, encoded, out _, out int written);
        Debug.Assert(written == encoded.Length, "padded base64 has exactly the maximum length");
        return encoded;
    }

    private static readonly byte[] Ok = Encoding.UTF8.GetBytes(MarkStatus.Ok);
    private static readonly byte[] SignDeferred = Encoding.UTF8.GetBytes(MarkStatus.SignDeferred);

    // Shared arrays are safe: MQTTnet only reads a property's value, when it writes the packet.
    private static ReadOnlyMemory<byte> StatusBytes(string status) => status switch
    {
        MarkStatus.Ok => Ok,
        MarkStatus.SignDeferred => SignDeferred,
        _ => Encoding.UTF8.GetBytes(status),
    };

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

    /// <summary>MQTT's DUP flag, which only QoS 1 and 2 may carry (MQTT v5 §3.3.1.1).</summary>
    private static bool IsResent(MqttApplicationMessage message) =>
        message.Dup && message.QualityOfServiceLevel != MqttQualityOfServiceLevel.AtMostOnce;

    /// <summary>Accepted, not forwarded: the retransmission of a datagram already marked.</summary>
    private static void Acknowledge(InterceptingPublishEventArgs args, string reason)
    {
        args.ProcessPublish = false;
        args.Response.ReasonString = reason;
    }

    private static void Refuse(InterceptingPublishEventArgs args, MqttPubAckReasonCode code, string reason)
    {
        args.ProcessPublish = false;
        args.Response.ReasonCode = code;
        args.Response.ReasonString = reason;
    }
}
