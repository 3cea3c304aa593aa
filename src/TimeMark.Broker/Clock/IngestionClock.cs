using Microsoft.Extensions.Logging;

namespace TimeMark.Broker.Clock;

/// <summary>
/// INGESTION_TIME: the system clock in UTC as Unix milliseconds, never going
/// backwards within a run. Many marks may share a millisecond. When the system
/// clock steps back (an NTP correction, an operator), the clock holds at the
/// last value given out until the system clock catches up, and the step is
/// logged and counted: a time mark must never contradict an earlier one.
/// </summary>
public sealed partial class IngestionClock
{
    /// <summary>
    /// A step back smaller than this is not reported: two threads that read the
    /// system clock on either side of a millisecond boundary race by up to one
    /// millisecond, and that is no clock step.
    /// </summary>
    public static readonly TimeSpan ReportedStepBack = TimeSpan.FromMilliseconds(5);

    private readonly TimeProvider _time;
    private readonly ILogger<IngestionClock> _logger;

    // The last value given out; only ever raised, with Interlocked.CompareExchange.
    private long _last;
    private long _stepBacks;

    public IngestionClock(TimeProvider time, ILogger<IngestionClock> logger)
    {
        _time = time;
        _logger = logger;
    }

    /// <summary>How many times the system clock was seen to step back by <see cref="ReportedStepBack"/> or more.</summary>
    public long StepBacks => Interlocked.Read(ref _stepBacks);

    /// <summary>The current INGESTION_TIME: at least every value returned before.</summary>
    public ulong Now()
    {
        long wall = _time.GetUtcNow().ToUnixTimeMilliseconds();
        while (true)
        {
            long last = Interlocked.Read(ref _last);
            if (wall >= last)
            {
                if (Interlocked.CompareExchange(ref _last, wall, last) == last)
                    return (ulong)wall;
                continue;
            }

            if (last - wall >= (long)ReportedStepBack.TotalMilliseconds)
                ReportStepBack(wall, last);
            return (ulong)last;
        }
    }

    private void ReportStepBack(long wall, long last)
    {
        Interlocked.Increment(ref _stepBacks);
        LogStepBack(_logger, last - wall, wall, last);
    }

    [LoggerMessage(Level = LogLevel.Warning,
        Message = "System clock stepped back by {BehindMilliseconds} ms (clock {WallMilliseconds}, last mark {LastMilliseconds}); INGESTION_TIME holds until it catches up")]
    private static partial void LogStepBack(ILogger logger, long behindMilliseconds, long wallMilliseconds, long lastMilliseconds);
}
