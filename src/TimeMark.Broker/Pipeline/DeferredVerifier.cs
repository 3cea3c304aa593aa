using System.Threading.Channels;
using Microsoft.Extensions.Logging;
using TimeMark.Broker.Access;
using TimeMark.Broker.Metrics;
using TimeMark.Protocol.Datagrams;
using TimeMark.Protocol.Keys;

namespace TimeMark.Broker.Pipeline;

/// <summary>
/// <see cref="DeviceVerification.Deferred"/>: checks SIGN of datagrams that were already marked, logged and
/// forwarded, on one background thread fed by a bounded queue, so the check takes at most one core and never
/// delays a publisher: the thread runs at the lowest CPU priority (<see cref="BackgroundPriority"/>), so it uses
/// the time that marking leaves idle instead of competing with it. Each verdict is counted (<see cref="BrokerMetrics.DeferredVerdicts"/>); a bad SIGN is
/// also logged and kept as a rejection record naming the log index it was forwarded as.
/// </summary>
/// <remarks>
/// When the queue is full the check is skipped and counted as such, never waited for: the message is in the
/// evidence log with its SIGN, so <c>timemark verify</c> can still check it offline. Checks still queued when the
/// broker stops are not made either. Because of the low priority, a load that keeps every core busy for longer than
/// the queue lasts gets fewer of its messages checked than one at the same priority would: the queue is the
/// budget, and the skipped count says when it was spent.
/// </remarks>
public sealed partial class DeferredVerifier
{
    /// <summary>Checks waiting at most: about 6 s of one core's verifications (P-256 at ~85 µs), a few MiB of datagrams.</summary>
    public const int Capacity = 65_536;

    /// <summary>The name of the checking thread, as ps and /proc show it.</summary>
    public const string ThreadName = "tm-verify";

    /// <summary>Skipped checks are logged once per this many, not one line each: a full queue means a flood.</summary>
    private const long SkipLogInterval = 10_000;

    private readonly Channel<Check> _queue = Channel.CreateBounded<Check>(
        new BoundedChannelOptions(Capacity) { SingleReader = true, SingleWriter = false, FullMode = BoundedChannelFullMode.Wait });

    private readonly RejectionRecorder _rejections;
    private readonly BrokerMetrics _metrics;
    private readonly ILogger<DeferredVerifier> _logger;
    private readonly TaskCompletionSource _drained = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public DeferredVerifier(RejectionRecorder rejections, BrokerMetrics metrics, ILogger<DeferredVerifier> logger)
    {
        _rejections = rejections;
        _metrics = metrics;
        _logger = logger;
        new Thread(Run) { IsBackground = true, Name = ThreadName }.UnsafeStart();
    }

    /// <summary>Completes after <see cref="Complete"/>, once the queue is drained.</summary>
    public Task Completion => _drained.Task;

    /// <summary>Queues the check of a marked datagram's SIGN; skips it (and counts that) when the queue is full.</summary>
    /// <param name="publisher">Who published it.</param>
    /// <param name="topic">Where.</param>
    /// <param name="logIndex">The evidence-log index it was forwarded as.</param>
    /// <param name="marked">The marked datagram; not changed afterwards.</param>
    /// <param name="deviceKey">The publisher's key, looked up when the message was marked.</param>
    public void Enqueue(ClientIdentity publisher, string topic, long logIndex, byte[] marked, VerifyingKey deviceKey)
    {
        if (_queue.Writer.TryWrite(new Check(publisher, topic, logIndex, marked, deviceKey)))
            return;
        long skipped = _metrics.CountDeferredVerdict(DeferredVerdict.Skipped);
        if (skipped % SkipLogInterval == 1)
            LogSkipped(_logger, skipped, Capacity);
    }

    /// <summary>Stops taking checks; <see cref="Completion"/> completes when the queued ones are done.</summary>
    public void Complete() => _queue.Writer.TryComplete();

    private void Run()
    {
        if (BackgroundPriority.LowerCurrentThread() is string notLowered)
            LogPriorityKept(_logger, notLowered);
        try
        {
            // A thread of its own, so that its priority is not lent to the thread pool's work: blocking here is the point.
            ChannelReader<Check> reader = _queue.Reader;
            while (reader.WaitToReadAsync().AsTask().GetAwaiter().GetResult())
            {
                while (reader.TryRead(out Check check))
                    Verify(check);
            }
            _drained.TrySetResult();
        }
        catch (Exception e)
        {
            // An unhandled exception on a thread of its own would end the process; the broker reports it at stop instead.
            LogStopped(_logger, e.Message);
            _drained.TrySetException(e);
        }
    }

    private void Verify(in Check check)
    {
        // The marked datagram keeps the device's bytes exactly as received, so SIGN verifies over them as before marking.
        bool good = DatagramReader.TryRead(check.Marked, out Datagram datagram, out _)
            && DatagramVerifier.VerifyDeviceSignature(datagram, check.DeviceKey);
        if (good)
        {
            _metrics.CountDeferredVerdict(DeferredVerdict.Good);
            return;
        }

        _metrics.CountDeferredVerdict(DeferredVerdict.BadSignature);
        _rejections.Record(new PublishRequest(check.Publisher, check.Topic, check.Marked), RejectReason.BadSignature,
            $"deferred check: SIGN does not verify with {check.DeviceKey}; already forwarded as log index {check.LogIndex}");
    }

    [LoggerMessage(Level = LogLevel.Warning,
        Message = "Deferred device verification skipped {Skipped} checks so far: the queue of {Capacity} is full; those messages were forwarded unchecked (verify them offline from the log)")]
    private static partial void LogSkipped(ILogger logger, long skipped, int capacity);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Deferred device verification runs at normal priority, competing with marking: {Reason}")]
    private static partial void LogPriorityKept(ILogger logger, string reason);

    [LoggerMessage(Level = LogLevel.Error, Message = "Deferred device verification stopped; messages forwarded from now on stay unchecked: {Reason}")]
    private static partial void LogStopped(ILogger logger, string reason);

    private readonly record struct Check(ClientIdentity Publisher, string Topic, long LogIndex, byte[] Marked, VerifyingKey DeviceKey);
}
