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

    // Content n at VER ver; what the device takes in is stored at once.
    private static SequenceVerdict Observe(DeviceActivity device, ulong ver, int n, bool resent)
    {
        SequenceVerdict verdict = device.Observe(ver, Content(n), resent, out _);
        if (verdict is not (SequenceVerdict.Replay or SequenceVerdict.Retransmission))
            device.Settle(Content(n), stored: true);
        return verdict;
    }

    [Fact]
    public void Observe_FirstDatagram_InOrder() =>
        Assert.Equal(SequenceVerdict.InOrder, Observe(new DeviceActivity(), 7, 1, resent: false));

    [Fact]
    public void Observe_NextVer_InOrder()
    {
        var device = new DeviceActivity();
        Observe(device, 7, 1, resent: false);
        Assert.Equal(SequenceVerdict.InOrder, Observe(device, 8, 2, resent: false));
    }

    [Fact]
    public void Observe_SkippedVer_GapIsCounted()
    {
        var device = new DeviceActivity();
        Observe(device, 7, 1, resent: false);
        Assert.Equal(SequenceVerdict.Gap, Observe(device, 10, 2, resent: false));
        Assert.Equal(1, device.Snapshot().Gaps);
    }

    [Fact]
    public void Observe_SameContentAgain_ReplayEvenWithLaterVerAbsent()
    {
        var device = new DeviceActivity();
        Observe(device, 7, 1, resent: false);
        Observe(device, 8, 2, resent: false);
        Assert.Equal(SequenceVerdict.Replay, Observe(device, 7, 1, resent: false));
        Assert.Equal(1, device.Snapshot().Replays);
    }

    [Fact]
    public void Observe_Replay_DoesNotMoveLastVer()
    {
        var device = new DeviceActivity();
        Observe(device, 7, 1, resent: false);
        Observe(device, 8, 2, resent: false);
        Observe(device, 7, 1, resent: false);
        Assert.Equal(8UL, device.Snapshot().LastVer);
    }

    [Fact]
    public void Observe_SameContentResent_RetransmissionNotReplay()
    {
        var device = new DeviceActivity();
        Observe(device, 7, 1, resent: false);
        Assert.Equal(SequenceVerdict.Retransmission, Observe(device, 7, 1, resent: true));
        Assert.Equal(0, device.Snapshot().Replays);
        // Counted only once acknowledged, which waits for the first copy (TimeMarker), as the metric is.
        Assert.Equal(0, device.Snapshot().Retransmissions);
        device.RecordRetransmission();
        Assert.Equal(1, device.Snapshot().Retransmissions);
    }

    [Fact]
    public async Task Observe_ResentWhileTheFirstCopyWaitsForTheLog_GivesTheFirstCopysOutcome()
    {
        var device = new DeviceActivity();
        device.Observe(7, Content(1), resent: false, out _);

        SequenceVerdict verdict = device.Observe(7, Content(1), resent: true, out Task<bool>? firstCopy);

        Assert.Equal(SequenceVerdict.Retransmission, verdict);
        Assert.False(firstCopy!.IsCompleted);
        device.Settle(Content(1), stored: true);
        Assert.True(await firstCopy);
    }

    [Fact]
    public async Task Observe_ContentRestoredFromTheLogResent_FirstCopyIsDurable()
    {
        var device = new DeviceActivity();
        device.Restore(7, Content(1));

        device.Observe(7, Content(1), resent: true, out Task<bool>? firstCopy);

        Assert.True(firstCopy!.IsCompleted);
        Assert.True(await firstCopy);
    }

    [Fact]
    public void Observe_NewContentResent_ClassifiedByVer()
    {
        // The first copy never arrived: the resend is the first the broker sees of it.
        var device = new DeviceActivity();
        Observe(device, 7, 1, resent: false);
        Assert.Equal(SequenceVerdict.InOrder, Observe(device, 8, 2, resent: true));
        Assert.Equal(0, device.Snapshot().Retransmissions);
    }

    [Fact]
    public void Settle_ContentNotStored_IsNewAgain()
    {
        var device = new DeviceActivity();
        device.Observe(7, Content(1), resent: false, out _);
        device.Settle(Content(1), stored: false);
        Assert.Equal(SequenceVerdict.Regression, Observe(device, 7, 1, resent: true));
        Assert.Equal(0, device.Snapshot().Replays + device.Snapshot().Retransmissions);
    }

    [Fact]
    public void Observe_LowerVerNewContent_Regression()
    {
        var device = new DeviceActivity();
        Observe(device, 7, 1, resent: false);
        Assert.Equal(SequenceVerdict.Regression, Observe(device, 0, 2, resent: false));
        Assert.Equal(0UL, device.Snapshot().LastVer);
    }

    [Fact]
    public void Observe_ContentOlderThanTheWindow_IsNoLongerRecognised()
    {
        var device = new DeviceActivity();
        for (int i = 0; i <= DeviceActivity.ReplayWindow; i++)
            Observe(device, (ulong)i, i, resent: false);
        Assert.Equal(SequenceVerdict.Replay, Observe(device, 1, 1, resent: false));
        Assert.Equal(SequenceVerdict.Regression, Observe(device, 0, 0, resent: false));
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

        Assert.Equal(SequenceVerdict.Replay, Observe(device, 7, 1, resent: false));
        Assert.Equal(SequenceVerdict.InOrder, Observe(device, 8, 2, resent: false));
        DeviceSnapshot snapshot = device.Snapshot();
        Assert.Equal((0L, 0L, 0L), (snapshot.Marked, snapshot.Gaps, snapshot.Regressions));
    }
}
