using BenchmarkDotNet.Attributes;
using TimeMark.EvidenceLog;

namespace TimeMark.Bench.EvidenceLog;

/// <summary>
/// Inclusion proofs on a 100,000-entry SQLite log: generation from the store (plan, read the stored hashes, compute; what
/// the broker's HTTP API does per request) and verification (RFC 9162 §2.1.3.2, what an auditor does), for random leaves.
/// </summary>
[InProcess]
[MemoryDiagnoser]
public class InclusionProofBenchmarks
{
    private const int TreeSize = 100_000;
    private const int Samples = 1024;

    private BenchLog _log = null!;
    private SqliteLogSnapshot _snapshot = null!;
    private long[] _indexes = [];
    private InclusionProof[] _proofs = [];
    private Hash[] _leaves = [];
    private Hash _root;
    private int _next;

    [GlobalCleanup]
    public async Task CleanupAsync()
    {
        _snapshot.Dispose();
        await _log.DisposeAsync();
    }

    [Benchmark(Description = "prove inclusion from SQLite store (100k tree)")]
    public Task<InclusionProof> ProveFromStore()
    {
        long index = _indexes[_next++ & (Samples - 1)];
        return _log.Appender.Store.ProveInclusionAsync(index, TreeSize);
    }

    [Benchmark(Description = "prove inclusion from read-only snapshot (100k tree)")]
    public Task<InclusionProof> ProveFromSnapshot()
    {
        long index = _indexes[_next++ & (Samples - 1)];
        return _snapshot.ProveInclusionAsync(index, TreeSize);
    }

    [Benchmark(Description = "verify inclusion proof (100k tree, 17 hashes)")]
    public bool Verify()
    {
        int k = _next++ & (Samples - 1);
        InclusionProof proof = _proofs[k];
        return InclusionProof.Verify(proof.LeafIndex, proof.TreeSize, proof.Path.AsSpan(), _leaves[k], _root);
    }

    [GlobalSetup]
    public async Task SetupAsync()
    {
        _log = await BenchLog.StartAsync();
        await _log.AppendAsync([.. Enumerable.Range(0, TreeSize).Select(i => BenchLog.Entry(i))]);
        _snapshot = await SqliteLogSnapshot.OpenAsync(_log.DbPath);
        var random = new Random(1);
        _indexes = [.. Enumerable.Range(0, Samples).Select(_ => random.NextInt64(TreeSize))];
        _proofs = new InclusionProof[Samples];
        _leaves = new Hash[Samples];
        for (int k = 0; k < Samples; k++)
        {
            _proofs[k] = await _log.Appender.Store.ProveInclusionAsync(_indexes[k], TreeSize);
            _leaves[k] = MerkleHash.Leaf(BenchLog.Entry(_indexes[k]).Format());
        }

        _root = await _log.Appender.Store.ReadTreeHashAsync(TreeSize);
        if (!_proofs.Select((p, k) => InclusionProof.Verify(p.LeafIndex, p.TreeSize, p.Path.AsSpan(), _leaves[k], _root)).All(ok => ok))
        {
            throw new InvalidOperationException("bench setup: a proof does not verify");
        }
    }
}
