using BenchmarkDotNet.Attributes;
using TimeMark.EvidenceLog;

namespace TimeMark.Bench.EvidenceLog;

/// <summary>
/// Durable append throughput on SQLite (WAL, synchronous=FULL) with LogAppender's group commit, for ~300-byte entries.
/// Each invocation appends <see cref="Count"/> entries and waits until all are durable; the reported time is per entry.
/// The log grows across iterations, as a broker's does.
/// </summary>
[Config(typeof(InProcessShortConfig))]
[MemoryDiagnoser]
public class LogAppendBenchmarks
{
    private const int Count = 50_000;
    private const int Appenders = 64;

    private BenchLog _log = null!;
    private LogEntry[] _entries = [];

    [GlobalSetup]
    public async Task SetupAsync()
    {
        _entries = [.. Enumerable.Range(0, Count).Select(i => BenchLog.Entry(i))];
        _log = await BenchLog.StartAsync();
    }

    [GlobalCleanup]
    public async Task CleanupAsync() => await _log.DisposeAsync();

    /// <summary>All appends in flight at once (one producer): batches fill up to MaxBatchSize.</summary>
    [Benchmark(OperationsPerInvoke = Count, Description = "append 300 B, 50k in flight")]
    public Task AllInFlight() => _log.AppendAsync(_entries);

    /// <summary>64 concurrent appenders, each awaiting its own append before the next (as broker connections do).</summary>
    [Benchmark(OperationsPerInvoke = Count, Description = "append 300 B, 64 appenders awaiting each")]
    public Task ConcurrentAwaiting() => Task.WhenAll(Enumerable.Range(0, Appenders).Select(w => Task.Run(async () =>
    {
        LogAppender appender = _log.Appender;
        for (int i = w; i < Count; i += Appenders)
        {
            await appender.FillAsync(appender.Reserve(), _entries[i]);
        }
    })));
}
