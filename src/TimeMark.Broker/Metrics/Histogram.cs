namespace TimeMark.Broker.Metrics;

/// <summary>
/// A Prometheus histogram with fixed upper bounds: lock-free observation,
/// cumulative buckets when written (Prometheus exposition format 0.0.4).
/// </summary>
public sealed class Histogram
{
    private readonly double[] _bounds;
    private readonly long[] _counts;
    private long _count;
    private long _sumMicros;

    public Histogram(params double[] upperBounds)
    {
        _bounds = upperBounds;
        _counts = new long[upperBounds.Length];
    }

    public void Observe(double value)
    {
        for (int i = 0; i < _bounds.Length; i++)
        {
            if (value <= _bounds[i])
            {
                Interlocked.Increment(ref _counts[i]);
                break;
            }
        }
        Interlocked.Increment(ref _count);
        Interlocked.Add(ref _sumMicros, (long)(value * 1_000_000));
    }

    /// <summary>Observations so far.</summary>
    public long Count => Interlocked.Read(ref _count);

    /// <summary>The mean of the observations (to the microsecond); 0 before the first.</summary>
    public double Mean => Count == 0 ? 0 : Interlocked.Read(ref _sumMicros) / 1_000_000d / Count;

    public void WriteTo(TextWriter writer, string name, string help)
    {
        writer.Write($"# HELP {name} {help}\n# TYPE {name} histogram\n");
        long cumulative = 0;
        for (int i = 0; i < _bounds.Length; i++)
        {
            cumulative += Interlocked.Read(ref _counts[i]);
            writer.Write(FormattableString.Invariant($"{name}_bucket{{le=\"{_bounds[i]}\"}} {cumulative}\n"));
        }
        long count = Interlocked.Read(ref _count);
        writer.Write(FormattableString.Invariant($"{name}_bucket{{le=\"+Inf\"}} {count}\n"));
        writer.Write(FormattableString.Invariant($"{name}_sum {Interlocked.Read(ref _sumMicros) / 1_000_000d}\n"));
        writer.Write(FormattableString.Invariant($"{name}_count {count}\n"));
    }
}
