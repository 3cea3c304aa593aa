using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Engines;
using BenchmarkDotNet.Jobs;
using BenchmarkDotNet.Toolchains.InProcess.Emit;

namespace TimeMark.Bench.EvidenceLog;

/// <summary>
/// In-process (as DatagramBenchmarks, so nothing restores under locked mode), and short: each invocation of the storage
/// benchmarks writes or reads thousands of entries, so a few iterations of one invocation each are enough and keep a run
/// within minutes on the 2-core machine.
/// </summary>
internal sealed class InProcessShortConfig : ManualConfig
{
    public InProcessShortConfig()
    {
        AddJob(Job.Default
            .WithToolchain(InProcessEmitToolchain.Instance)
            .WithStrategy(RunStrategy.Monitoring)
            .WithLaunchCount(1)
            .WithWarmupCount(1)
            .WithIterationCount(5)
            .WithInvocationCount(1)
            .WithUnrollFactor(1));
    }
}
