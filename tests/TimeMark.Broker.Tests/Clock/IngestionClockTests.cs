using Microsoft.Extensions.Logging.Abstractions;
using TimeMark.Broker.Clock;

namespace TimeMark.Broker.Tests.Clock;

public class IngestionClockTests
{
    private static readonly DateTimeOffset Start = DateTimeOffset.FromUnixTimeMilliseconds(1_700_000_000_000);

    private static (IngestionClock Clock, ManualTimeProvider Time) Create()
    {
        var time = new ManualTimeProvider(Start);
        return (new IngestionClock(time, NullLogger<IngestionClock>.Instance), time);
    }

    [Fact]
    public void Now_IsUnixMillisecondsOfTheSystemClock()
    {
        var (clock, _) = Create();
        Assert.Equal(1_700_000_000_000UL, clock.Now());
    }

    [Fact]
    public void Now_ClockAdvances_FollowsIt()
    {
        var (clock, time) = Create();
        clock.Now();
        time.Now += TimeSpan.FromMilliseconds(250);
        Assert.Equal(1_700_000_000_250UL, clock.Now());
    }

    [Fact]
    public void Now_ClockStepsBack_HoldsTheLastValueAndCountsTheStep()
    {
        var (clock, time) = Create();
        clock.Now();
        time.Now -= TimeSpan.FromSeconds(30);

        Assert.Equal(1_700_000_000_000UL, clock.Now());
        Assert.Equal(1, clock.StepBacks);
    }

    [Fact]
    public void Now_AfterStepBack_ResumesOnceTheClockCatchesUp()
    {
        var (clock, time) = Create();
        clock.Now();
        time.Now -= TimeSpan.FromSeconds(30);
        clock.Now();
        time.Now = Start + TimeSpan.FromMilliseconds(1);

        Assert.Equal(1_700_000_000_001UL, clock.Now());
    }

    [Fact]
    public void Now_OneMillisecondBack_IsHeldButNotReported()
    {
        var (clock, time) = Create();
        clock.Now();
        time.Now -= TimeSpan.FromMilliseconds(1);

        Assert.Equal(1_700_000_000_000UL, clock.Now());
        Assert.Equal(0, clock.StepBacks);
    }

    [Fact]
    public void Now_ManyThreads_EachThreadSeesNonDecreasingValues()
    {
        var clock = new IngestionClock(TimeProvider.System, NullLogger<IngestionClock>.Instance);
        Parallel.For(0, 4, _ =>
        {
            ulong previous = 0;
            for (int i = 0; i < 100_000; i++)
            {
                ulong now = clock.Now();
                Assert.True(now >= previous);
                previous = now;
            }
        });
    }
}
