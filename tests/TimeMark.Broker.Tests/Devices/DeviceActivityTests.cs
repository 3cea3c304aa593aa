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
        Assert.Equal(SequenceVerdict.InOrder, new DeviceActivity().Observe(7, Content(1), resent: false));

    [Fact]
    public void Observe_NextVer_InOrder()
    {
        var device = new DeviceActivity();
        device.Observe(7, Content(1), resent: false);
        Assert.Equal(SequenceVerdict.InOrder, device.Observe(8, Content(2), resent: false));
    }

    [Fact]
    public void Observe_SkippedVer_GapIsCounted()
    {
        var device = new DeviceActivity();
        device.Observe(7, Content(1), resent: false);
        Assert.Equal(SequenceVerdict.Gap, device.Observe(10, Content(2), resent: false));
        Assert.Equal(1, device.Snapshot().Gaps);
    }

    [Fact]
    public void Observe_SameContentAgain_ReplayEvenWithLaterVerAbsent()
    {
        var device = new DeviceActivity();
        device.Observe(7, Content(1), resent: false);
        device.Observe(8, Content(2), resent: false);
        Assert.Equal(SequenceVerdict.Replay, device.Observe(7, Content(1), resent: false));
        Assert.Equal(1, device.Snapshot().Replays);
    }

    [Fact]
    public void Observe_Replay_DoesNotMoveLastVer()
    {
        var device = new DeviceActivity();
        device.Observe(7, Content(1), resent: false);
        device.Observe(8, Content(2), resent: false);
        device.Observe(7, Content(1), resent: false);
        Assert.Equal(8UL, device.Snapshot().LastVer);
    }

    [Fact]
    public void Observe_SameContentResent_RetransmissionNotReplay()
    {
        var device = new DeviceActivity();
        device.Observe(7, Content(1), resent: false);
        Assert.Equal(SequenceVerdict.Retransmission, device.Observe(7, Content(1), resent: true));
        Assert.Equal(1, device.Snapshot().Retransmissions);
        Assert.Equal(0, device.Snapshot().Replays);
    }

    [Fact]
    public void Observe_NewContentResent_ClassifiedByVer()
    {
        // The first copy never arrived: the resend is the first the broker sees of it.
        var device = new DeviceActivity();
        device.Observe(7, Content(1), resent: false);
        Assert.Equal(SequenceVerdict.InOrder, device.Observe(8, Content(2), resent: true));
        Assert.Equal(0, device.Snapshot().Retransmissions);
    }

    [Fact]
    public void Forget_ContentNeverMarked_IsNewAgain()
    {
        var device = new DeviceActivity();
        device.Observe(7, Content(1), resent: false);
        device.Forget(Content(1));
        Assert.Equal(SequenceVerdict.Regression, device.Observe(7, Content(1), resent: true));
        Assert.Equal(0, device.Snapshot().Replays + device.Snapshot().Retransmissions);
    }

    [Fact]
    public void Observe_LowerVerNewContent_Regression()
    {
        var device = new DeviceActivity();
        device.Observe(7, Content(1), resent: false);
        Assert.Equal(SequenceVerdict.Regression, device.Observe(0, Content(2), resent: false));
        Assert.Equal(0UL, device.Snapshot().LastVer);
    }

    [Fact]
    public void Observe_ContentOlderThanTheWindow_IsNoLongerRecognised()
    {
        var device = new DeviceActivity();
        for (int i = 0; i <= DeviceActivity.ReplayWindow; i++)
            device.Observe((ulong)i, Content(i), resent: false);
        Assert.Equal(SequenceVerdict.Replay, device.Observe(1, Content(1), resent: false));
        Assert.Equal(SequenceVerdict.Regression, device.Observe(0, Content(0), resent: false));
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

        Assert.Equal(SequenceVerdict.Replay, device.Observe(7, Content(1), resent: false));
        Assert.Equal(SequenceVerdict.InOrder, device.Observe(8, Content(2), resent: false));
        DeviceSnapshot snapshot = device.Snapshot();
        Assert.Equal((0L, 0L, 0L), (snapshot.Marked, snapshot.Gaps, snapshot.Regressions));
    }
}
