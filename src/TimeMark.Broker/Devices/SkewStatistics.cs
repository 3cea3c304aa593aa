using TimeMark.Protocol.Datagrams;

namespace TimeMark.Broker.Devices;

/// <summary>Running statistics of a device's clock skew (INGESTION_TIME − TS), in milliseconds.</summary>
public readonly record struct SkewStatistics(long Count, long MinMilliseconds, long MaxMilliseconds, double MeanMilliseconds, ClockSkew? Last)
{
    public SkewStatistics Add(ClockSkew skew)
    {
        long count = Count + 1;
        return new SkewStatistics(
            count,
            Count == 0 ? skew.Milliseconds : Math.Min(MinMilliseconds, skew.Milliseconds),
            Count == 0 ? skew.Milliseconds : Math.Max(MaxMilliseconds, skew.Milliseconds),
            MeanMilliseconds + ((skew.Milliseconds - MeanMilliseconds) / count),
            skew);
    }
}
