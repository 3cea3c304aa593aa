using BenchmarkDotNet.Attributes;
using TimeMark.EvidenceLog;

namespace TimeMark.Bench.EvidenceLog;

/// <summary>
/// The offline audit `timemark log verify` runs (LogAudit over a read-only snapshot): every entry parsed and re-hashed,
/// every stored hash recomputed, every checkpoint checked with its signature. The reported time is per entry.
/// </summary>
[Config(typeof(InProcessShortConfig))]
[MemoryDiagnoser]
public class LogAuditBenchmarks
{
    private const int TreeSize = 200_000;

    private BenchLog _log = null!;
    private SqliteLogSnapshot _snapshot = null!;

    [GlobalSetup]
    public async Task SetupAsync()
    {
        _log = await BenchLog.StartAsync();
        await _log.AppendAsync([.. Enumerable.Range(0, TreeSize).Select(i => BenchLog.Entry(i))]);
        _snapshot = await SqliteLogSnapshot.OpenAsync(_log.DbPath);
    }

    [GlobalCleanup]
    public async Task CleanupAsync()
    {
        _snapshot.Dispose();
        await _log.DisposeAsync();
    }

    [Benchmark(OperationsPerInvoke = TreeSize, Description = "audit (log verify) per entry, 200k log")]
    public async Task<bool> Audit()
    {
        LogAudit audit = await LogAudit.RunAsync(_snapshot, _log.Signer.Verifier);
        return audit.Passed ? true : throw new InvalidOperationException(audit.Failure);
    }
}
