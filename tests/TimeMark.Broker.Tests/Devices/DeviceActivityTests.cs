using TimeMark.Broker.Devices;
using TimeMark.Protocol.Datagrams;

namespace TimeMark.Broker.Tests.Devices;

public class DeviceActivityTests
{
    private static ContentHash Content(int n)
    {
        var hash = new ContentHash();
        BitConverter.TryWriteBytes(hash, n);
        return hash;
    }

    [Fact]
    public void Observe_FirstDatagram_InOrder() =>
        Assert.Equal(SequenceVerdict.InOrder, new DeviceActivity().Observe(7, Content(1)));

    [Fact]
    public void Observe_NextVer_InOrder()
    {
        var device = new DeviceActivity();
        device.Observe(7, Content(1));
        Assert.Equal(SequenceVerdict.InOrder, device.Observe(8, Content(2)));
    }

    [Fact]
    public void Observe_SkippedVer_GapIsCounted()
    {
        var device = new DeviceActivity();
        device.Observe(7, Content(1));
        Assert.Equal(SequenceVerdict.Gap, device.Observe(10, Content(2)));
        Assert.Equal(1, device.Snapshot().Gaps);
    }

    [Fact]
    public void Observe_SameContentAgain_ReplayEvenWithLaterVerAbsent()
    {
        var device = new DeviceActivity();
        device.Observe(7, Content(1));
        device.Observe(8, Content(2));
        Assert.Equal(SequenceVerdict.Replay, device.Observe(7, Content(1)));
        Assert.Equal(1, device.Snapshot().Replays);
    }

    [Fact]
    public void Observe_Replay_DoesNotMoveLastVer()
    {
        var device = new DeviceActivity();
        device.Observe(7, Content(1));
        device.Observe(8, Content(2));
        device.Observe(7, Content(1));
        Assert.Equal(8UL, device.Snapshot().LastVer);
    }

    [Fact]
    public void Observe_LowerVerNewContent_Regression()
    {
        var device = new DeviceActivity();
        device.Observe(7, Content(1));
        Assert.Equal(SequenceVerdict.Regression, device.Observe(0, Content(2)));
        Assert.Equal(0UL, device.Snapshot().LastVer);
    }

    [Fact]
    public void Observe_ContentOlderThanTheWindow_IsNoLongerRecognised()
    {
        var device = new DeviceActivity();
        for (int i = 0; i <= DeviceActivity.ReplayWindow; i++)
            device.Observe((ulong)i, Content(i));
        Assert.Equal(SequenceVerdict.Replay, device.Observe(1, Content(1)));
        Assert.Equal(SequenceVerdict.Regression, device.Observe(0, Content(0)));
    }

    [Fact]
    public void RecordMarked_Skews_KeepsMinMaxMeanAndLast()
    {
        var device = new DeviceActivity();
        device.RecordMarked(new ClockSkew(300_000, TimestampUnit.Seconds));
        device.RecordMarked(new ClockSkew(100_000, TimestampUnit.Seconds));

        SkewStatistics skew = device.Snapshot().Skew;
        Assert.Equal((2L, 100_000L, 300_000L, 200_000d), (skew.Count, skew.MinMilliseconds, skew.MaxMilliseconds, skew.MeanMilliseconds));
        Assert.Equal(new ClockSkew(100_000, TimestampUnit.Seconds), skew.Last);
        Assert.Equal(2, device.Snapshot().Marked);
    }

    [Fact]
    public void Restore_MarkedBeforeARestart_ReplayRecognisedAndNothingCounted()
    {
        var device = new DeviceActivity();
        device.Restore(7, Content(1));

        Assert.Equal(SequenceVerdict.Replay, device.Observe(7, Content(1)));
        Assert.Equal(SequenceVerdict.InOrder, device.Observe(8, Content(2)));
        DeviceSnapshot snapshot = device.Snapshot();
        Assert.Equal((0L, 0L, 0L), (snapshot.Marked, snapshot.Gaps, snapshot.Regressions));
    }
}
