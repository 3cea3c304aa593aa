using Microsoft.Extensions.Logging;

namespace TimeMark.Broker.Pipeline;

/// <summary>
/// Keeps the record of every rejected message for auditors (the most recent
/// <see cref="Capacity"/>, queryable by time range) with counts by reason, and
/// writes one log line per rejection: nothing is dropped silently. Once given a
/// <see cref="RejectionJournal"/>, records are also saved to disk and survive a restart.
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
    private RejectionJournal? _journal;

    public RejectionRecorder(TimeProvider time, ILogger<RejectionRecorder> logger)
    {
        _time = time;
        _logger = logger;
    }

    public void Record(in PublishRequest request, RejectReason reason, string detail)
    {
        var rejection = new Rejection(_time.GetUtcNow(), request.Publisher.Name, request.Topic, request.Payload.Length, reason, detail);
        Interlocked.Increment(ref _counts[(int)reason]);
        RejectionJournal? journal;
        lock (_lock)
        {
            if (_recent.Count == Capacity)
                _recent.Dequeue();
            _recent.Enqueue(rejection);
            journal = _journal;
        }
        journal?.Append(rejection);
        LogRejected(_logger, rejection.Publisher, rejection.Topic, reason, detail);
    }

    /// <summary>From now on also saves every record in <paramref name="journal"/>; its saved records count as kept, before any recorded so far.</summary>
    public void KeepIn(RejectionJournal journal, IReadOnlyList<Rejection> saved)
    {
        lock (_lock)
        {
            Rejection[] sinceStart = [.. _recent];
            _recent.Clear();
            foreach (Rejection rejection in saved.Concat(sinceStart).TakeLast(Capacity))
                _recent.Enqueue(rejection);
            _journal = journal;
        }
    }

    /// <summary>Records not saved to disk (<see cref="RejectionJournal.Unsaved"/>); 0 without a journal.</summary>
    public long Unsaved => Volatile.Read(ref _journal)?.Unsaved ?? 0;

    /// <summary>Rejections since the broker started, by reason (records read back from the journal are not counted).</summary>
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
