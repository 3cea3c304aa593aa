using Microsoft.Extensions.Logging;
using TimeMark.Broker.Access;
using TimeMark.Broker.Clock;
using TimeMark.Broker.Devices;
using TimeMark.Broker.Hosting;
using TimeMark.Broker.Metrics;
using TimeMark.EvidenceLog;
using TimeMark.Protocol.Datagrams;
using TimeMark.Protocol.Keys;
using TimeMark.Protocol.Verification;

namespace TimeMark.Broker.Pipeline;

/// <summary>
/// The time-mark pipeline for every PUBLISH (issue 4, design.md): check the
/// publisher's right to the topic; on a BRAID topic read the datagram, verify
/// SIGN with the publisher's key and its VER and content against what came
/// before; then reserve a log index, mark, append to the evidence log, and only
/// once the entry is durable say "forward". Other topics are logged the same
/// way with the payload untouched and the mark in user properties.
/// </summary>
/// <remarks>
/// Nothing here holds a lock across the signing or the log append: many
/// publishers are marked in parallel, and the log keeps one order. With
/// <see cref="DeviceVerification.Deferred"/>, SIGN is checked after forwarding by a
/// <see cref="DeferredVerifier"/>, and the per-message path keeps one signature (the mark).
/// </remarks>
public sealed partial class TimeMarker
{
    public const string IngestionTimeProperty = "tm-ingestion-time";
    public const string LogIndexProperty = "tm-log-index";
    public const string StatusProperty = "tm-status";
    public const string TokenProperty = "tm-token";

    /// <summary>Topics whose payloads must be BRAID datagrams: braid/agent/{ID}/...</summary>
    public const string BraidTopicPrefix = "braid/agent/";

    /// <summary>
    /// The largest payload accepted: a marked datagram (payload plus the three broker
    /// fields, at most 119 bytes) must still fit in one evidence-log entry.
    /// </summary>
    public const int MaxPayloadLength = LogEntry.MaxPayloadSize - 128;

    private readonly AccessPolicy _access;
    private readonly DeviceRegistry _devices;
    private readonly DeviceActivityTable _activity;
    private readonly IngestionClock _clock;
    private readonly LogAppender _log;
    private readonly SigningKey _brokerKey;
    private readonly MarkingPolicy _policy;
    private readonly DeferredVerifier? _deferred;
    private readonly RejectionRecorder _rejections;
    private readonly BrokerMetrics _metrics;
    private readonly TimeProvider _time;
    private readonly ILogger<TimeMarker> _logger;

    public TimeMarker(AccessPolicy access, DeviceRegistry devices, DeviceActivityTable activity, IngestionClock clock,
        LogAppender log, SigningKey brokerKey, MarkingPolicy policy, RejectionRecorder rejections, BrokerMetrics metrics,
        TimeProvider time, ILogger<TimeMarker> logger, DeferredVerifier? deferred = null)
    {
        _deferred = deferred;
        _metrics = metrics;
        _time = time;
        _access = access;
        _devices = devices;
        _activity = activity;
        _clock = clock;
        _log = log;
        _brokerKey = brokerKey;
        _policy = policy;
        _rejections = rejections;
        _logger = logger;
    }

    /// <summary>Decides one PUBLISH. Completes when a forwarded message's entry is durable.</summary>
    public async ValueTask<PublishOutcome> MarkAsync(PublishRequest request, CancellationToken cancellationToken)
    {
        // Access and size are never waived, even in permissive mode: they protect the broker, not the reader.
        if (!_access.MayPublish(request.Publisher, request.Topic))
            return Reject(request, RejectReason.TopicNotAllowed, $"{request.Publisher.Name} may not publish on {request.Topic}");
        if (request.Payload.Length > MaxPayloadLength)
            return Reject(request, RejectReason.PayloadTooLarge, $"payload of {request.Payload.Length} bytes exceeds {MaxPayloadLength}");

        if (!request.Topic.StartsWith(BraidTopicPrefix, StringComparison.Ordinal))
            return await MarkPlainAsync(request, MarkStatus.Ok, cancellationToken).ConfigureAwait(false);

        if (!DatagramReader.TryRead(request.Payload, out Datagram datagram, out DatagramError error))
            return await FailedCheckAsync(request, RejectReason.MalformedDatagram, error.ToString(), null, cancellationToken).ConfigureAwait(false);
        if (datagram.HasBrokerFields)
            return await FailedCheckAsync(request, RejectReason.AlreadyMarked, "the datagram already carries broker fields", null, cancellationToken).ConfigureAwait(false);

        DeviceKeyLookup key = _devices.Find(request.Publisher.Name);
        if (!key.IsKnown)
            return await FailedCheckAsync(request, RejectReason.UnknownDevice, key.Reason, datagram, cancellationToken).ConfigureAwait(false);
        if (_deferred is null && !DatagramVerifier.VerifyDeviceSignature(datagram, key.Key))
            return await FailedCheckAsync(request, RejectReason.BadSignature, $"SIGN does not verify with {key.Key}", datagram, cancellationToken).ConfigureAwait(false);
        Check fields = RecordVerifier.CheckDeviceFields(datagram);
        if (fields.Outcome == CheckOutcome.Failed)
            return await FailedCheckAsync(request, RejectReason.BadDeviceFields, fields.Detail, datagram, cancellationToken).ConfigureAwait(false);

        // Deferred: VER and replays are judged on content whose SIGN is not checked yet (docs/broker.md).
        DeviceActivity activity = _activity.For(request.Publisher.Name);
        ContentHash content = ContentHash.Of(datagram);
        SequenceVerdict sequence = activity.Observe(datagram.Ver!.Value, content, request.IsResent, out Task<bool>? firstCopy);
        if (sequence is SequenceVerdict.Replay)
        {
            return await FailedCheckAsync(request, RejectReason.Replay,
                $"VER {datagram.Ver}: this signed content was marked before", datagram, cancellationToken).ConfigureAwait(false);
        }
        if (sequence is SequenceVerdict.Retransmission)
            return await RetransmittedAsync(request, datagram, activity, firstCopy!, cancellationToken).ConfigureAwait(false);

        VerifyingKey? uncheckedKey = _deferred is null ? null : key.Key;
        string status = sequence switch
        {
            SequenceVerdict.Gap => MarkStatus.VerGap,
            SequenceVerdict.Regression => MarkStatus.VerRegression,
            _ => uncheckedKey is null ? MarkStatus.Ok : MarkStatus.SignDeferred,
        };
        bool stored = false;
        try
        {
            PublishOutcome outcome = await MarkDatagramAsync(request, datagram, status, activity, uncheckedKey, cancellationToken).ConfigureAwait(false);
            stored = outcome.Rejection is null;
            return outcome;
        }
        finally
        {
            // Not stored also when the publisher left and its entry's fate is unknown: a resend is then marked again.
            activity.Settle(content, stored);
        }
    }

    /// <summary>
    /// MQTT's own resend of a datagram already marked (its acknowledgement was lost, typically with the connection):
    /// acknowledged, so the device stops resending, but neither marked nor forwarded again, and not a replay. The first
    /// copy may still wait for the log, so the acknowledgement waits for it: until then the device must keep its copy.
    /// </summary>
    private async ValueTask<PublishOutcome> RetransmittedAsync(PublishRequest request, Datagram datagram, DeviceActivity activity,
        Task<bool> firstCopy, CancellationToken cancellationToken)
    {
        if (!await firstCopy.WaitAsync(cancellationToken).ConfigureAwait(false))
        {
            return Reject(request, RejectReason.LogFailure,
                $"VER {datagram.Ver}: the first copy of this resent datagram was not stored; send it again");
        }

        _metrics.CountRetransmission();
        activity.RecordRetransmission();
        LogRetransmission(_logger, request.Publisher.Name, datagram.Ver!.Value);
        return PublishOutcome.Retransmitted($"VER {datagram.Ver}: resent datagram already marked, not marked again");
    }

    /// <summary>Strict: reject. Permissive: mark anyway, with tm-status naming the failed check.</summary>
    private async ValueTask<PublishOutcome> FailedCheckAsync(PublishRequest request, RejectReason reason, string detail,
        Datagram? datagram, CancellationToken cancellationToken)
    {
        if (_policy == MarkingPolicy.Strict)
            return Reject(request, reason, detail);

        DeviceActivity activity = _activity.For(request.Publisher.Name);
        activity.RecordRejected();
        LogMarkedDespite(_logger, request.Publisher.Name, request.Topic, reason, detail);
        string status = MarkStatus.Of(reason);
        // A datagram that cannot be marked in place (unreadable, or already marked) is marked in properties.
        return datagram is Datagram readable && reason != RejectReason.AlreadyMarked
            ? await MarkDatagramAsync(request, readable, status, activity, uncheckedKey: null, cancellationToken).ConfigureAwait(false)
            : await MarkPlainAsync(request, status, cancellationToken).ConfigureAwait(false);
    }

    /// <param name="uncheckedKey">Deferred verification: the publisher's key, to check SIGN once forwarded; null when checked already.</param>
    private async ValueTask<PublishOutcome> MarkDatagramAsync(PublishRequest request, Datagram datagram, string status, DeviceActivity activity,
        VerifyingKey? uncheckedKey, CancellationToken cancellationToken)
    {
        long index = _log.Reserve();
        ulong ingestionTime = _clock.Now();
        byte[] marked;
        try
        {
            marked = DatagramMarker.Mark(datagram, ingestionTime, (ulong)index, _brokerKey);
        }
        catch (Exception e) when (e is ArgumentException)
        {
            await VoidAsync(index, $"marking failed: {e.Message}").ConfigureAwait(false);
            return Reject(request, RejectReason.MalformedDatagram, e.Message);
        }

        PublishOutcome? failure = await AppendAsync(request, index, LogEntry.ForMessage(request.Topic, request.Publisher.Name, ingestionTime, marked), cancellationToken).ConfigureAwait(false);
        if (failure is not null)
            return failure;

        ClockSkew? skew = datagram.Ts is ulong ts ? ClockSkew.Measure(ts, ingestionTime) : null;
        activity.RecordMarked(skew);
        if (skew is ClockSkew measured)
            _metrics.ClockSkew.Observe(Math.Abs(measured.Milliseconds) / 1000d);
        _metrics.CountMarked(datagram: true);
        // Queued only once durable: a message the publisher gave up on before that is not forwarded, so not checked.
        if (uncheckedKey is not null)
            _deferred!.Enqueue(request.Publisher, request.Topic, index, marked, uncheckedKey);
        return PublishOutcome.Forward(marked, ingestionTime, index, status, token: null);
    }

    private async ValueTask<PublishOutcome> MarkPlainAsync(PublishRequest request, string status, CancellationToken cancellationToken)
    {
        long index = _log.Reserve();
        ulong ingestionTime = _clock.Now();
        var entry = LogEntry.ForMessage(request.Topic, request.Publisher.Name, ingestionTime, request.Payload);
        var token = new byte[64];
        _brokerKey.Sign(entry.Format(), token);

        PublishOutcome? failure = await AppendAsync(request, index, entry, cancellationToken).ConfigureAwait(false);
        if (failure is not null)
            return failure;
        _metrics.CountMarked(datagram: false);
        return PublishOutcome.Forward(request.Payload, ingestionTime, index, status, token);
    }

    /// <summary>Appends and waits until durable; on failure voids the index (never a hole) and returns the rejection.</summary>
    private async ValueTask<PublishOutcome?> AppendAsync(PublishRequest request, long index, LogEntry entry, CancellationToken cancellationToken)
    {
        long started = _time.GetTimestamp();
        try
        {
            await _log.FillAsync(index, entry, cancellationToken).ConfigureAwait(false);
            _metrics.Durability.Observe(_time.GetElapsedTime(started).TotalSeconds);
            return null;
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // The publisher went away; the entry is still appended (FillAsync only stops waiting),
            // but nothing is forwarded for a publish that was never acknowledged.
            throw;
        }
        catch (Exception e)
        {
            LogAppendFailed(_logger, index, e.Message);
            return Reject(request, RejectReason.LogFailure, "the evidence log could not store the message");
        }
    }

    private async Task VoidAsync(long index, string reason)
    {
        try
        {
            await _log.VoidAsync(index, reason).ConfigureAwait(false);
        }
        catch (Exception e) when (e is InvalidOperationException or ObjectDisposedException or IOException)
        {
            LogAppendFailed(_logger, index, e.Message);
        }
    }

    private PublishOutcome Reject(in PublishRequest request, RejectReason reason, string detail)
    {
        _rejections.Record(request, reason, detail);
        if (request.Publisher.IsAgent)
            _activity.For(request.Publisher.Name).RecordRejected();
        return PublishOutcome.Reject(reason, detail);
    }

    [LoggerMessage(Level = LogLevel.Debug, Message = "{Publisher} resent VER {Ver}, already marked: acknowledged, not marked again")]
    private static partial void LogRetransmission(ILogger logger, string publisher, ulong ver);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Permissive policy: marked a message from {Publisher} on {Topic} despite {Reason}: {Detail}")]
    private static partial void LogMarkedDespite(ILogger logger, string publisher, string topic, RejectReason reason, string detail);

    [LoggerMessage(Level = LogLevel.Error, Message = "Evidence log append of index {Index} failed: {Reason}")]
    private static partial void LogAppendFailed(ILogger logger, long index, string reason);
}
