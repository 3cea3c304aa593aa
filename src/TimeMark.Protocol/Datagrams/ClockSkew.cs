namespace TimeMark.Protocol.Datagrams;

/// <summary>Which unit a device's TS was taken to be in.</summary>
public enum TimestampUnit
{
    Seconds,
    Milliseconds,
}

/// <summary>
/// INGESTION_TIME − TS: how far the device clock is behind (positive) or ahead
/// (negative) of the broker's. TS is in seconds (BRAID firmware) or milliseconds
/// (BRAID backend scripts); design.md tells them apart by magnitude, and every
/// report says which was assumed.
/// </summary>
public readonly record struct ClockSkew(long Milliseconds, TimestampUnit AssumedTsUnit)
{
    /// <summary>A TS above this is read as milliseconds (10^11 s is the year 5138).</summary>
    public const ulong MillisecondThreshold = 100_000_000_000;

    public static ClockSkew Measure(ulong ts, ulong ingestionTimeMilliseconds)
    {
        TimestampUnit unit = ts > MillisecondThreshold ? TimestampUnit.Milliseconds : TimestampUnit.Seconds;
        Int128 tsMilliseconds = unit == TimestampUnit.Seconds ? (Int128)ts * 1000 : ts;
        Int128 skew = (Int128)ingestionTimeMilliseconds - tsMilliseconds;
        return new ClockSkew((long)Int128.Clamp(skew, long.MinValue, long.MaxValue), unit);
    }

    public override string ToString() =>
        $"{Milliseconds:+#;-#;0} ms (TS read as {(AssumedTsUnit == TimestampUnit.Seconds ? "Unix seconds" : "Unix milliseconds")})";
}
