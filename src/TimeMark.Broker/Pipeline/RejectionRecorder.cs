using Microsoft.Extensions.Logging;

namespace TimeMark.Broker.Pipeline;

/// <summary>
/// Keeps the record of every rejected message for auditors (the most recent
/// <see cref="Capacity"/>, queryable by time range) with counts by reason, and
/// writes one log line per rejection: nothing is dropped silently.
/// </summary>
public sealed partial class RejectionRecorder
{
    public const int Capacity = 100_000;

    private readonly ILogger<RejectionRecorder> _logger;
    private readonly TimeProvider _time;
    private readonly long[] _counts = new long[Enum.GetValues<RejectReason>().Length];

    // Guarded by _lock; oldest first.
    private readonly Lock _lock = new();
    private readonly Queue<Rejection> _recent = new();

    public RejectionRecorder(TimeProvider time, ILogger<RejectionRecorder> logger)
    {
        _time = time;
        _logger = logger;
    }

    public void Record(in PublishRequest request, RejectReason reason, string detail)
    {
        var rejection = new Rejection(_time.GetUtcNow(), request.Publisher.Name, request.Topic, request.Payload.Length, reason, detail);
        Interlocked.Increment(ref _counts[(int)reason]);
        lock (_lock)
        {
            if (_recent.Count == Capacity)
                _recent.Dequeue();
            _recent.Enqueue(rejection);
        }
        LogRejected(_logger, rejection.Publisher, rejection.Topic, reason, detail);
    }

    /// <summary>Rejections since the broker started, by reason.</summary>
    public long Count(RejectReason reason) => Interlocked.Read(ref _counts[(int)reason]);

    /// <summary>The kept rejections in [from, to), oldest first.</summary>
    public IReadOnlyList<Rejection> Between(DateTimeOffset from, DateTimeOffset to)
    {
        lock (_lock)
            return _recent.Where(r => r.At >= from && r.At < to).ToList();
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Rejected a message from {Publisher} on {Topic}: {Reason}: {Detail}")]
    private static partial void LogRejected(ILogger logger, string publisher, string topic, RejectReason reason, string detail);
}
