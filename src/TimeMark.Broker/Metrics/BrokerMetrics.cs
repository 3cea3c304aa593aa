using TimeMark.Broker.Pipeline;

namespace TimeMark.Broker.Metrics;

/// <summary>The broker's own counters, besides the rejection counts kept by <see cref="RejectionRecorder"/>.</summary>
public sealed class BrokerMetrics
{
    private long _markedDatagrams;
    private long _markedPlain;
    private long _retransmissions;
    private readonly long[] _deferredVerdicts = new long[Enum.GetValues<DeferredVerdict>().Length];

    /// <summary>Seconds from FillAsync to durable.</summary>
    public Histogram Durability { get; } = new(0.0005, 0.001, 0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1);

    /// <summary>|INGESTION_TIME − TS| in seconds.</summary>
    public Histogram ClockSkew { get; } = new(0.1, 1, 5, 30, 60, 300, 3600, 86400);

    public long MarkedDatagrams => Interlocked.Read(ref _markedDatagrams);
    public long MarkedPlain => Interlocked.Read(ref _markedPlain);
    public long Retransmissions => Interlocked.Read(ref _retransmissions);

    public void CountRetransmission() => Interlocked.Increment(ref _retransmissions);

    public void CountMarked(bool datagram)
    {
        if (datagram)
            Interlocked.Increment(ref _markedDatagrams);
        else
            Interlocked.Increment(ref _markedPlain);
    }

    /// <summary>Deferred device-signature checks so far with this verdict.</summary>
    public long DeferredVerdicts(DeferredVerdict verdict) => Interlocked.Read(ref _deferredVerdicts[(int)verdict]);

    /// <summary>Counts one deferred check; returns the new count for its verdict.</summary>
    public long CountDeferredVerdict(DeferredVerdict verdict) => Interlocked.Increment(ref _deferredVerdicts[(int)verdict]);
}
