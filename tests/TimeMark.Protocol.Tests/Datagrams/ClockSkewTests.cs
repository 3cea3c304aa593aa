using TimeMark.Protocol.Datagrams;

namespace TimeMark.Protocol.Tests.Datagrams;

public class ClockSkewTests
{
    [Fact]
    public void Measure_TsInSeconds_ConvertsToMilliseconds() =>
        Assert.Equal(new ClockSkew(2_500, TimestampUnit.Seconds), ClockSkew.Measure(1_700_000_000, 1_700_000_002_500));

    [Fact]
    public void Measure_TsInMilliseconds_UsedAsIs() =>
        Assert.Equal(new ClockSkew(-500, TimestampUnit.Milliseconds), ClockSkew.Measure(1_700_000_002_500, 1_700_000_002_000));

    [Fact]
    public void Measure_TsAtThreshold_IsSeconds() =>
        Assert.Equal(TimestampUnit.Seconds, ClockSkew.Measure(ClockSkew.MillisecondThreshold, 0).AssumedTsUnit);

    [Fact]
    public void Measure_ExtremeValues_ClampInsteadOfOverflowing() =>
        Assert.Equal(long.MinValue, ClockSkew.Measure(ulong.MaxValue, 0).Milliseconds);

    [Fact]
    public void ToString_SaysWhichUnitWasAssumed() =>
        Assert.Equal("+2500 ms (TS read as Unix seconds)", new ClockSkew(2500, TimestampUnit.Seconds).ToString());
}
