using System.Diagnostics;
using System.Globalization;
using TimeMark.EvidenceLog;

namespace TimeMark.Bench.EvidenceLog;

/// <summary>
/// Time from <see cref="LogAppender.FillAsync"/> to durable at a fixed offered load (default 10,000 appends/s, ~300-byte
/// entries), open loop: a pacer thread issues each append at its scheduled time whether or not earlier ones are done.
/// Not a BenchmarkDotNet benchmark, which measures throughput of closed loops. Run:
///   dotnet run -c Release --project bench/TimeMark.Bench -- log-latency [rate/s] [seconds]
/// </summary>
internal static class LogLatency
{
    // Discarded at the start: JIT, SQLite page cache and WAL growth settle in the first seconds.
    private static readonly TimeSpan Warmup = TimeSpan.FromSeconds(2);

    public static async Task<int> RunAsync(string[] args)
    {
        int rate = args.Length > 0 ? int.Parse(args[0], CultureInfo.InvariantCulture) : 10_000;
        int seconds = args.Length > 1 ? int.Parse(args[1], CultureInfo.InvariantCulture) : 12;
        int total = rate * seconds;
        int warmup = (int)(rate * Warmup.TotalSeconds);
        LogEntry[] entries = [.. Enumerable.Range(0, 4096).Select(i => BenchLog.Entry(i))];
        long[] latency = new long[total];
        long[] lateness = new long[total];
        long[] fromDue = new long[total];
        var pending = new Task[total];

        await using BenchLog log = await BenchLog.StartAsync();
        LogAppender appender = log.Appender;
        Console.WriteLine($"offered load {rate}/s for {seconds} s ({total} appends of {entries[0].Format().Length} bytes), first {Warmup.TotalSeconds:F0} s discarded");

        long start = Stopwatch.GetTimestamp();
        double ticksPerAppend = (double)Stopwatch.Frequency / rate;
        var pacer = new Thread(() =>
        {
            for (int k = 0; k < total; k++)
            {
                long due = start + (long)(k * ticksPerAppend);
                long now = Stopwatch.GetTimestamp();
                if (now < due)
                {
                    // Sleep while more than 2 ms early, then yield: Thread.Sleep(1) overshoots by up to a millisecond on Linux.
                    while (Stopwatch.GetElapsedTime(now, due) > TimeSpan.FromMilliseconds(2))
                    {
                        Thread.Sleep(1);
                        now = Stopwatch.GetTimestamp();
                    }

                    while ((now = Stopwatch.GetTimestamp()) < due)
                    {
                        Thread.Yield();
                    }
                }

                lateness[k] = now - due;
                pending[k] = Measure(appender, entries[k % entries.Length], due, latency, fromDue, k);
            }
        })
        { IsBackground = true, Name = "pacer" };
        pacer.Start();
        pacer.Join();
        await Task.WhenAll(pending);
        TimeSpan elapsed = Stopwatch.GetElapsedTime(start);

        long[] measured = latency[warmup..];
        Array.Sort(measured);
        long[] late = lateness[warmup..];
        Array.Sort(late);
        long[] scheduled = fromDue[warmup..];
        Array.Sort(scheduled);
        Console.WriteLine($"achieved {total / elapsed.TotalSeconds:F0} appends/s ({total} durable in {elapsed.TotalSeconds:F2} s); tree size {appender.TreeSize}");
        Console.WriteLine($"FillAsync -> durable, {measured.Length} appends: p50 {Ms(measured, 0.50)} ms, p99 {Ms(measured, 0.99)} ms, p99.9 {Ms(measured, 0.999)} ms, max {Ms(measured, 1.0)} ms");
        // Open-loop view (no coordinated omission): from the time the append was due, so a stalled pacer counts too.
        Console.WriteLine($"scheduled time -> durable: p50 {Ms(scheduled, 0.50)} ms, p99 {Ms(scheduled, 0.99)} ms, p99.9 {Ms(scheduled, 0.999)} ms, max {Ms(scheduled, 1.0)} ms");
        Console.WriteLine($"GC: {GC.CollectionCount(0)} gen0, {GC.CollectionCount(1)} gen1, {GC.CollectionCount(2)} gen2 collections, {GC.GetTotalPauseDuration().TotalMilliseconds:F0} ms paused in total");
        Console.WriteLine($"pacer lateness (issue time - scheduled time): p50 {Ms(late, 0.50)} ms, p99 {Ms(late, 0.99)} ms, max {Ms(late, 1.0)} ms");
        return 0;
    }

    private static async Task Measure(LogAppender appender, LogEntry entry, long due, long[] latency, long[] fromDue, int k)
    {
        long t0 = Stopwatch.GetTimestamp();
        await appender.FillAsync(appender.Reserve(), entry).ConfigureAwait(false);
        long done = Stopwatch.GetTimestamp();
        latency[k] = done - t0;
        fromDue[k] = done - due;
    }

    private static string Ms(long[] sorted, double quantile)
    {
        int index = Math.Min(sorted.Length - 1, (int)Math.Ceiling(quantile * sorted.Length) - 1);
        return (sorted[Math.Max(0, index)] * 1000.0 / Stopwatch.Frequency).ToString("F2", CultureInfo.InvariantCulture);
    }
}
